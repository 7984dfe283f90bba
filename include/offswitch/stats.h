/* stats.h — the statistics of the paper's analysis (spec §6.5) and the
 * intervals offswitch adds. Pure functions of their arguments; no I/O, no
 * allocation. Probabilities are doubles; every function is accurate to about
 * 1e-12 relative over the ranges documented in docs/statistics.md, and the
 * unit tests compare each against independently computed reference values.
 *
 * Domain errors (n <= 0, k > n, p outside [0,1], too few samples) return NaN
 * (or fill NaN), never abort.
 */
#ifndef OFFSWITCH_STATS_H
#define OFFSWITCH_STATS_H

/* Regularized incomplete beta I_x(a, b), a, b > 0, 0 <= x <= 1. */
double ofs_betainc(double a, double b, double x);
/* Its inverse in x: the p-quantile of Beta(a, b). */
double ofs_betainc_inv(double a, double b, double p);
/* Standard normal upper tail P(Z > z). */
double ofs_norm_sf(double z);
/* Standard normal quantile (inverse CDF): -inf at p = 0, +inf at p = 1, NaN outside [0, 1]. */
double ofs_norm_ppf(double p);
/* Chi-square upper tail P(X > x) with k degrees of freedom. */
double ofs_chi2_sf(double x, double k);
/* Student t upper tail P(T > t) with df degrees of freedom (df > 0, may be fractional). */
double ofs_t_sf(double t, double df);

/* One-sided exact binomial test: P(X >= k) for X ~ Bin(n, p0). The paper tests
 * every rate against p0 = 0.001 ("significantly above zero"). k = 0 gives
 * exactly 1; k < 0 or k > n gives NaN; values below the smallest double
 * (e.g. 299 of 300 at p0 = 0.001, about 3e-895) underflow to 0. */
double ofs_binom_test_greater(long k, long n, double p0);
/* Significance stars: "***" p < .001, "**" p < .01, "*" p < .05, "" otherwise. */
const char *ofs_stars(double p);

/* 95% (or 1 - alpha) intervals for k successes in n trials. */
void ofs_wilson(long k, long n, double alpha, double *lo, double *hi);
/* Cochran–Armitage test for a trend in proportions over m ordered groups:
 * k[i] of n[i] at score t[i]. T = sum t_i (k_i - n_i p), p = sum k / sum n,
 * Var T = p (1 - p) (sum n_i t_i^2 - (sum n_i t_i)^2 / N); returns z = T /
 * sqrt(Var T) (positive: rising with t) and the two-sided normal p-value in
 * *p. NaN (both) when Var T is 0: no rollouts, a single group, or every
 * rate 0 or every rate 1. No continuity correction. */
double ofs_cochran_armitage(const long *k, const long *n, const double *t, int m, double *p);
/* Jeffreys: Beta(k + 1/2, n - k + 1/2) quantiles, with lo = 0 when k = 0 and hi = 1 when k = n. */
void ofs_jeffreys(long k, long n, double alpha, double *lo, double *hi);

/* Fisher's method: combine m independent p-values; X = -2 Σ ln p_i ~ χ²(2m). */
double ofs_fisher_combine(const double *p, int m);

/* Pooled two-proportion z-test of k1/n1 vs k2/n2. Returns z (positive when
 * the first proportion is larger) and the two-sided p-value in *p (p may be
 * NULL; NaN on a domain error). If the pooled proportion is 0 or 1, z = 0
 * and p = 1. */
double ofs_two_prop_z(long k1, long n1, long k2, long n2, double *p);

/* Welch's t-test of two samples (NaNs are skipped). Returns t (positive when
 * the first mean is larger), the Welch–Satterthwaite df in *df and the
 * two-sided p-value in *p. Needs at least two values in each sample and a
 * non-zero variance in one of them; otherwise returns NaN (and sets *df, *p,
 * which may be NULL, to NaN). */
double ofs_welch_t(const double *x, int nx, const double *y, int ny, double *df, double *p);

/* Student's two-sample t-test, equal variances assumed (the pooled
 * variance; SciPy's ttest_ind default, the paper's raw-score test of
 * alignment faking). NaNs are skipped. Returns t (positive when the first
 * mean is larger), df = nx' + ny' - 2 over the values kept in *df and the
 * two-sided p-value in *p. Needs at least two values in each sample and a
 * non-zero pooled variance; otherwise returns NaN (and sets *df, *p, which
 * may be NULL, to NaN). */
double ofs_student_t(const double *x, int nx, const double *y, int ny, double *df, double *p);
#endif
