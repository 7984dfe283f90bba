/* stats.c — the statistics of the paper's analysis (spec §6.5): exact
 * binomial test, Fisher's method, pooled two-proportion z, Welch and Student t, plus the
 * Wilson and Jeffreys intervals, on self-contained special functions
 * (incomplete beta and gamma, normal tail and quantile). docs/statistics.md
 * gives the formulas, accuracy and edge-case conventions. */
#include "offswitch/stats.h"

#include <float.h>
#include <math.h>
#include <stddef.h>

#define LN_SQRT_2PI   0.9189385332046728 /* ln sqrt(2 pi) */
#define TWO_PI        6.283185307179586
#define INV_SQRT_PI   0.5641895835477563     /* 1 / sqrt(pi) */
#define SQRT1_2_LO    -4.833646656726457e-17 /* 1/sqrt(2) - M_SQRT1_2 */
#define TINY          1e-300                 /* Lentz's guard against a zero denominator */
#define CF_EPS        DBL_EPSILON
#define EVEN_SERIES_K 2000.0 /* largest even dof summed by the finite series */
#define CF_MAX_ITER   2e6    /* no series or fraction runs longer (then: NaN) */

/* Stirling's remainder: lgamma(z) - [(z - 1/2) ln z - z + ln sqrt(2 pi)], z > 0.
 * The asymptotic series is used from z = 10, where its first omitted term is
 * below 2e-18. */
static double stirlerr(double z)
{
	if (z < 10)
		return lgamma(z) - (z - 0.5) * log(z) + z - LN_SQRT_2PI;
	double r = 1 / z, r2 = r * r;
	return r * (1.0 / 12 -
	            r2 * (1.0 / 360 -
	                  r2 * (1.0 / 1260 -
	                        r2 * (1.0 / 1680 -
	                              r2 * (1.0 / 1188 - r2 * (691.0 / 360360 - r2 * (1.0 / 156 - r2 * 3617.0 / 122400)))))));
}

/* r - 1 - ln r >= 0, given r and d = r - 1 each computed accurately (d to
 * absolute precision, r to relative precision). Near r = 1 the series in
 * v = d / (2 + d) avoids the cancellation (as in Loader's bd0). */
static double dev(double r, double d)
{
	if (fabs(d) >= 0.5)
		return d - log(r);
	double v = d / (2 + d), v2 = v * v, s = d * v, ej = 2 * v;
	for (int j = 1; j < 100; j++) {
		ej *= v2;
		double s1 = s - ej / (2 * j + 1);
		if (s1 == s)
			break;
		s = s1;
	}
	return s;
}

/* x^a y^b / B(a, b) with y = 1 - x (both given, so that neither is formed by
 * a cancelling subtraction), by the Stirling decomposition
 * sqrt(ab / (2 pi N)) exp(δ(N) - δ(a) - δ(b) - a dev(xN/a) - b dev(yN/b)). */
static double beta_front(double a, double b, double x, double y)
{
	double n = a + b, t;
	if (x <= y)
		t = fma(x, n, -a); /* x N - a */
	else
		t = -fma(y, n, -b); /* = b - y N = x N - a */
	double d1 = t / a, d2 = -t / b;
	double r1 = fabs(d1) < 0.5 ? 1 + d1 : x * (n / a);
	double r2 = fabs(d2) < 0.5 ? 1 + d2 : y * (n / b);
	double e = stirlerr(n) - stirlerr(a) - stirlerr(b) - a * dev(r1, d1) - b * dev(r2, d2);
	return sqrt(a / n * b / TWO_PI) * exp(e);
}

/* One step of the modified Lentz method for the next term a/(b + ...) of a
 * continued fraction: updates the running ratios c and d (each kept away from
 * zero by TINY) and returns the factor del that multiplies the estimate.
 * Sums and products are written so that both callers' former inline code
 * (b + a d, b + a / c, c d) is reproduced bit for bit. */
static double lentz_step(double a, double b, double *c, double *d)
{
	*d = b + a * *d;
	if (fabs(*d) < TINY)
		*d = TINY;
	*c = b + a / *c;
	if (fabs(*c) < TINY)
		*c = TINY;
	*d = 1 / *d;
	return *c * *d;
}

/* The continued fraction of I_x(a, b) x^-a y^-b B(a, b) a, with y = 1 - x:
 * the odd contraction of the classical fraction 1/(1 + d1/(1 + d2/(...))),
 *   d(2k+1) = -(a + k)(a + b + k) x / ((a + 2k)(a + 2k + 1)),
 *   d(2k)   = k (b - k) x / ((a + 2k - 1)(a + 2k)),
 * i.e. 1/(c0 + e1/(c1 + e2/(c2 + ...))) with e_k = -d(2k-1) d(2k) and
 * c_k = 1 + d(2k) + d(2k+1), whose numerator simplifies (exactly) to
 *   c_k = (2k (a + k)(1 + y) + (a - 1)(1 + lam)) / ((a + 2k - 1)(a + 2k + 1)),
 *   c0 = (1 + lam) / (a + 1),   lam = a - (a + b) x = (a + b) y - b.
 * Written with lam and y, no partial denominator cancels, even near the bulk
 * of a very skewed distribution where 1 + d(2k+1) would (the textbook
 * fraction then loses a relative a * eps). Evaluated by modified Lentz;
 * converges fast for x < (a + 1) / (a + b + 2). NaN if not converged within
 * limit steps. */
static double beta_cf(double a, double b, double x, double y, double limit)
{
	/* Scaled by s = a + 1 (c_k by s, e_k by s^2), an equivalence
	 * transformation that keeps every term near O(k) even for huge a. */
	double n = a + b, lam = x <= 0.5 ? fma(-n, x, a) : fma(n, y, -b), s = a + 1;
	double g = 1 + lam, c = g, d = 0;
	if (fabs(g) < TINY)
		g = c = TINY;
	for (double k = 1; k <= limit; k++) {
		/* integer parts grouped first: a + (k - 1) is exact at k = 1 */
		double a1 = a + (k - 1), a2 = a + (2 * k - 2), a3 = a + (2 * k - 1), a4 = a + 2 * k, a5 = a + (2 * k + 1);
		double e = (k * (b - k) * x * (s / a2)) * (x * (s / a3)) * (a1 / a3) * ((n + (k - 1)) / a4);
		double ck = (2 * k * ((a + k) / a3) * (1 + y) + ((a - 1) / a3) * (1 + lam)) * (s / a5);
		double del = lentz_step(e, ck, &c, &d);
		g *= del;
		if (fabs(del - 1) <= CF_EPS)
			return s / g;
	}
	return NAN;
}

/* I_x(a, b) in *i and its complement 1 - I_x(a, b) in *ic, with y = 1 - x.
 * The fraction is first run on the side below the bulk
 * (x < (a + 1) / (a + b + 2)), the other being 1 minus it. When that side's
 * value is nonetheless above 0.9 (a very skewed distribution, e.g. b << 1,
 * with nearly all the mass at one end), 1 minus it would lose digits, so the
 * other side is evaluated too and kept if it converges quickly and the two
 * agree to 1e-13. */
static void ibeta(double a, double b, double x, double y, double *i, double *ic)
{
	if (x <= 0) {
		*i = 0, *ic = 1;
		return;
	}
	if (y <= 0) {
		*i = 1, *ic = 0;
		return;
	}
	double front = beta_front(a, b, x, y);
	/* (tested on the smaller of x, y, which is the exact one) */
	int low = x <= 0.5 ? x < (a + 1) / (a + b + 2) : y > (b + 1) / (a + b + 2);
	double limit = fmin(10000 + 20 * sqrt(fmax(a, b)), CF_MAX_ITER);
	double v = front == 0 ? 0 : low ? front / a * beta_cf(a, b, x, y, limit) : front / b * beta_cf(b, a, y, x, limit);
	if (v > 0.9) {
		/* Beyond the bulk the fraction converges slowly, and a slowly
		 * converging fraction stops early: take it only if it is quick. */
		double w = low ? front / b * beta_cf(b, a, y, x, 300) : front / a * beta_cf(a, b, x, y, 300);
		if (w >= 0 && fabs(v + w - 1) <= 1e-13)
			v = w, low = !low;
	}
	*i = low ? v : 1 - v;
	*ic = low ? 1 - v : v;
}

static int bad_shape(double a, double b)
{
	return !(a > 0 && b > 0 && a < INFINITY && b < INFINITY);
}

double ofs_betainc(double a, double b, double x)
{
	if (bad_shape(a, b) || !(x >= 0 && x <= 1))
		return NAN;
	double i, ic;
	ibeta(a, b, x, 1 - x, &i, &ic);
	return i;
}

/* Numerical Recipes' starting point for the Beta(a, b) quantile at p (q = 1 - p). */
static double beta_guess(double a, double b, double p, double q)
{
	double pp = fmin(p, q), x;
	if (a >= 1 && b >= 1) {
		double t = sqrt(-2 * log(pp));
		x = (2.30753 + t * 0.27061) / (1 + t * (0.99229 + t * 0.04481)) - t;
		if (p < q)
			x = -x;
		double al = (x * x - 3) / 6, h = 2 / (1 / (2 * a - 1) + 1 / (2 * b - 1));
		double w = x * sqrt(al + h) / h - (1 / (2 * b - 1) - 1 / (2 * a - 1)) * (al + 5.0 / 6 - 2 / (3 * h));
		return a / (a + b * exp(2 * w));
	}
	double n = a + b, t = exp(a * log(a / n)) / a, u = exp(b * log(b / n)) / b, w = t + u;
	if (p < t / w)
		x = pow(a * w * p, 1 / a);
	else
		x = 1 - pow(b * w * q, 1 / b);
	return x;
}

/* The root x in (0, 1/2] of I_x(a, b) = p (= 1 - q), known to lie there: a
 * Halley iteration kept inside a shrinking bracket, falling back to bisection
 * (geometric while the bracket spans orders of magnitude). The residual is
 * taken on whichever of p and q is smaller, so tiny tails keep their
 * relative accuracy. */
static double beta_root_low(double a, double b, double p, double q)
{
	double lo = 0, hi = 0.5, x = beta_guess(a, b, p, q);
	if (!(x > 0 && x < 0.5))
		x = 0.25;
	for (int it = 0; it < 400; it++) {
		double i, ic, y = 1 - x;
		ibeta(a, b, x, y, &i, &ic);
		double f = p <= q ? i - p : q - ic;
		if (isnan(f))
			return NAN; /* the incomplete beta did not converge */
		if (f == 0)
			return x;
		if (f < 0)
			lo = x;
		else
			hi = x;
		double dens = beta_front(a, b, x, y) / (x * y), xn = NAN;
		if (dens > 0 && dens < INFINITY) {
			double u = f / dens;
			double corr = 1 - 0.5 * fmin(1, u * ((a - 1) / x - (b - 1) / y));
			xn = x - u / corr;
		}
		if (!(xn > lo && xn < hi)) {
			if (lo == 0 && hi <= DBL_MIN)
				return 0; /* the quantile is below the normal range */
			if (lo == 0)
				xn = fmax(hi * fmin(0.25, hi), DBL_MIN);
			else if (hi > 8 * lo)
				xn = sqrt(lo * hi);
			else
				xn = 0.5 * (lo + hi);
		}
		if (fabs(xn - x) <= 2 * DBL_EPSILON * xn || hi - lo <= 2 * DBL_EPSILON * hi)
			return xn;
		x = xn;
	}
	return x;
}

/* The Beta(a, b) quantile at p = 1 - q (the smaller of p, q given exactly). */
static double beta_quantile(double a, double b, double p, double q)
{
	if (p <= 0)
		return 0;
	if (q <= 0)
		return 1;
	double i, ic;
	ibeta(a, b, 0.5, 0.5, &i, &ic);
	if (p <= q ? p <= i : q >= ic)
		return beta_root_low(a, b, p, q);
	return 1 - beta_root_low(b, a, q, p);
}

double ofs_betainc_inv(double a, double b, double p)
{
	if (bad_shape(a, b) || !(p >= 0 && p <= 1))
		return NAN;
	return beta_quantile(a, b, p, 1 - p);
}

/* erfc(z / sqrt 2) / 2 with the rounding of z / sqrt 2 corrected to first
 * order (it would otherwise cost a relative z^2 eps / 2 in the far tail). */
double ofs_norm_sf(double z)
{
	if (isnan(z))
		return NAN;
	double t = z * M_SQRT1_2, dt = fma(z, M_SQRT1_2, -t) + z * SQRT1_2_LO;
	double r = 0.5 * erfc(t);
	if (fabs(t) < 30)
		r -= dt * INV_SQRT_PI * exp(-t * t);
	return r;
}

/* Phi(x) - 1/2 = erf(x / sqrt 2) / 2, likewise corrected. */
static double norm_cdf_centered(double x)
{
	double t = x * M_SQRT1_2, dt = fma(x, M_SQRT1_2, -t) + x * SQRT1_2_LO;
	return 0.5 * erf(t) + dt * INV_SQRT_PI * exp(-t * t);
}

/* The lower-tail quantile, 0 < p < 1/2: Acklam's rational approximation
 * (relative error 1.15e-9), then Halley steps on the residual in erf (centre)
 * or erfc (tail) form. */
static double norm_ppf_low(double p)
{
	static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
	                           1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
	static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
	                           -1.328068155288572e+01};
	static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
	                           -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
	static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
	int central = p >= 0.02425;
	double x;
	if (central) {
		double q = p - 0.5, r = q * q;
		x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
		    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
	} else {
		double q = sqrt(-2 * log(p));
		x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	for (int it = 0; it < 4; it++) {
		/* u = (Phi(x) - p) / phi(x); in the tail as (Phi/p - 1) p / phi(x),
		 * so that exp(x^2/2) cannot overflow for the smallest p. */
		double u = central ? (norm_cdf_centered(x) - (p - 0.5)) * sqrt(TWO_PI) * exp(0.5 * x * x)
		                   : (ofs_norm_sf(-x) / p - 1) * sqrt(TWO_PI) * exp(log(p) + 0.5 * x * x);
		double dx = u / (1 + 0.5 * x * u);
		if (!isfinite(dx))
			break;
		x -= dx;
		if (fabs(dx) <= DBL_EPSILON * fabs(x))
			break;
	}
	return x;
}

double ofs_norm_ppf(double p)
{
	if (!(p >= 0 && p <= 1))
		return NAN;
	if (p == 0)
		return -INFINITY;
	if (p == 1)
		return INFINITY;
	if (p == 0.5)
		return 0;
	return p < 0.5 ? norm_ppf_low(p) : -norm_ppf_low(1 - p);
}

/* x^s e^-x / Gamma(s), by the same Stirling decomposition as beta_front. */
static double gamma_front(double s, double x)
{
	double d = (x - s) / s, r = fabs(d) < 0.5 ? 1 + d : x / s;
	return sqrt(s / TWO_PI) * exp(-stirlerr(s) - s * dev(r, d));
}

/* The regularized upper incomplete gamma Q(s, x), s > 0, x >= 0: the power
 * series of P below x = s + 1, else Legendre's continued fraction (modified
 * Lentz). */
static double gamma_q(double s, double x)
{
	if (x <= 0)
		return 1;
	if (x == INFINITY)
		return 0;
	double front = gamma_front(s, x);
	double limit = fmin(10000 + 20 * sqrt(s), CF_MAX_ITER);
	if (x < s + 1 && !(s < 1 && x >= 0.5)) {
		double ap = s, term = 1 / s, sum = term;
		for (int n = 1; n <= limit; n++) {
			ap += 1;
			term *= x / ap;
			sum += term;
			if (term <= sum * DBL_EPSILON)
				return 1 - front * sum;
		}
		return NAN;
	}
	if (front == 0)
		return 0;
	double b = x + 1 - s, c = 1 / TINY, d = 1 / b, h = d;
	for (int i = 1; i <= limit; i++) {
		double an = -i * (i - s);
		b += 2;
		double del = lentz_step(an, b, &c, &d);
		h *= del;
		if (fabs(del - 1) <= CF_EPS)
			return front * h;
	}
	return NAN;
}

/* exp(-y) * sum_{j<m} y^j / j!, the chi-square(2m) tail at x = 2y; the
 * prefactor e^-y is passed in so that callers can supply it more exactly. */
static double poisson_tail_sum(double y, double m, double ey)
{
	double term = 1, sum = 1;
	for (double j = 1; j < m; j++) {
		term *= y / j;
		sum += term;
	}
	return ey * sum;
}

double ofs_chi2_sf(double x, double k)
{
	if (isnan(x) || !(k > 0 && k < INFINITY))
		return NAN;
	if (x <= 0)
		return 1;
	if (x == INFINITY)
		return 0;
	double m = 0.5 * k, y = 0.5 * x;
	if (m == floor(m) && k <= EVEN_SERIES_K && y <= 700)
		return poisson_tail_sum(y, m, exp(-y));
	return gamma_q(m, y);
}

double ofs_t_sf(double t, double df)
{
	if (isnan(t) || !(df > 0))
		return NAN;
	if (df == INFINITY)
		return ofs_norm_sf(t);
	if (t == 0)
		return 0.5;
	if (isinf(t))
		return t > 0 ? 0 : 1;
	/* x = df / (df + t^2), y = t^2 / (df + t^2), without overflow. */
	double at = fabs(t), x, y;
	if (at > 1) {
		double q = df / at / at;
		x = q / (1 + q), y = 1 / (1 + q);
	} else {
		double t2 = at * at;
		x = df / (df + t2), y = t2 / (df + t2);
	}
	double i, ic;
	ibeta(0.5 * df, 0.5, x, y, &i, &ic);
	return t > 0 ? 0.5 * i : 1 - 0.5 * i;
}

double ofs_binom_test_greater(long k, long n, double p0)
{
	if (n <= 0 || k < 0 || k > n || !(p0 >= 0 && p0 <= 1))
		return NAN;
	if (k == 0)
		return 1;
	double i, ic;
	ibeta((double)k, (double)(n - k + 1), p0, 1 - p0, &i, &ic);
	return i;
}

const char *ofs_stars(double p)
{
	if (p < 0.001)
		return "***";
	if (p < 0.01)
		return "**";
	if (p < 0.05)
		return "*";
	return "";
}

static int bad_count(long k, long n, double alpha)
{
	return n <= 0 || k < 0 || k > n || !(alpha > 0 && alpha < 1);
}

/* Wilson score interval for k <= n/2: the upper root without cancellation,
 * the lower as product-of-roots / upper. */
static void wilson_low_half(long k, long n, double z, double *lo, double *hi)
{
	double q = z * z, dk = (double)k, dn = (double)n;
	double center = (dk + 0.5 * q) / (dn + q);
	double half = z / (dn + q) * sqrt(dk * (dn - dk) / dn + 0.25 * q);
	*hi = center + half;
	*lo = k == 0 ? 0 : dk * dk / (dn * (dn + q) * *hi);
}

void ofs_wilson(long k, long n, double alpha, double *lo, double *hi)
{
	if (bad_count(k, n, alpha)) {
		*lo = *hi = NAN;
		return;
	}
	double z = -ofs_norm_ppf(0.5 * alpha);
	if (k <= n - k) {
		wilson_low_half(k, n, z, lo, hi);
	} else {
		double l, h;
		wilson_low_half(n - k, n, z, &l, &h);
		*lo = 1 - h, *hi = 1 - l;
	}
}

void ofs_jeffreys(long k, long n, double alpha, double *lo, double *hi)
{
	if (bad_count(k, n, alpha)) {
		*lo = *hi = NAN;
		return;
	}
	double a = (double)k + 0.5, b = (double)(n - k) + 0.5, h = 0.5 * alpha;
	*lo = k == 0 ? 0 : beta_quantile(a, b, h, 1 - h);
	*hi = k == n ? 1 : beta_quantile(a, b, 1 - h, h);
}

/* X = -2 sum ln p_i ~ chi2(2m): P(X > x) = e^-y sum_{j<m} y^j/j!, y = x/2.
 * e^-y is the product of the p_i when that product is a normal number. */
double ofs_fisher_combine(const double *p, int m)
{
	if (!p || m <= 0)
		return NAN;
	double y = 0, prod = 1;
	for (int i = 0; i < m; i++) {
		if (!(p[i] >= 0 && p[i] <= 1))
			return NAN;
		if (p[i] == 0)
			return 0;
		y -= log(p[i]);
		prod *= p[i];
	}
	if (prod > 1e-290 && m <= EVEN_SERIES_K / 2)
		return poisson_tail_sum(y, m, prod);
	return ofs_chi2_sf(2 * y, 2.0 * m);
}

double ofs_two_prop_z(long k1, long n1, long k2, long n2, double *p)
{
	if (n1 <= 0 || n2 <= 0 || k1 < 0 || k2 < 0 || k1 > n1 || k2 > n2) {
		if (p)
			*p = NAN;
		return NAN;
	}
	double dk1 = (double)k1, dn1 = (double)n1, dk2 = (double)k2, dn2 = (double)n2;
	double kk = dk1 + dk2, nn = dn1 + dn2;
	if (kk == 0 || kk == nn) {
		if (p)
			*p = 1;
		return 0;
	}
	/* z = (k1 n2 - k2 n1) sqrt(N) / sqrt(n1 n2 K (N - K)), from
	 * (p1 - p2) / sqrt(pool (1 - pool) (1/n1 + 1/n2)) with pool = K / N. */
	double num = fma(dk1, dn2, -dk2 * dn1);
	double z = num / sqrt(dn1 * dn2) * sqrt(nn / (kk * (nn - kk)));
	if (p)
		*p = 2 * ofs_norm_sf(fabs(z));
	return z;
}

/* Mean and unbiased variance of the non-NaN values (two passes, with the
 * first pass's rounding corrected); returns their count. */
static int sample_moments(const double *v, int n, double *mean, double *var)
{
	int c = 0;
	double s = 0;
	for (int i = 0; i < n; i++)
		if (!isnan(v[i]))
			s += v[i], c++;
	if (c < 2)
		return c;
	double m = s / c, e = 0, ss = 0;
	for (int i = 0; i < n; i++)
		if (!isnan(v[i])) {
			double d = v[i] - m;
			e += d, ss += d * d;
		}
	*mean = m + e / c;
	*var = (ss - e * e / c) / (c - 1);
	return c;
}

double ofs_welch_t(const double *x, int nx, const double *y, int ny, double *df, double *p)
{
	double mx = 0, vx = 0, my = 0, vy = 0;
	int cx = x ? sample_moments(x, nx, &mx, &vx) : 0;
	int cy = y ? sample_moments(y, ny, &my, &vy) : 0;
	double sx = cx < 2 ? NAN : vx / cx, sy = cy < 2 ? NAN : vy / cy, se2 = sx + sy;
	if (!(se2 > 0) || !isfinite(se2) || !isfinite(mx - my)) {
		if (df)
			*df = NAN;
		if (p)
			*p = NAN;
		return NAN;
	}
	double t = (mx - my) / sqrt(se2);
	double nu = se2 * se2 / (sx * sx / (cx - 1) + sy * sy / (cy - 1));
	if (df)
		*df = nu;
	if (p)
		*p = 2 * ofs_t_sf(fabs(t), nu);
	return t;
}

double ofs_student_t(const double *x, int nx, const double *y, int ny, double *df, double *p)
{
	double mx = 0, vx = 0, my = 0, vy = 0;
	int cx = x ? sample_moments(x, nx, &mx, &vx) : 0;
	int cy = y ? sample_moments(y, ny, &my, &vy) : 0;
	double nu = (double)cx + cy - 2;
	/* pooled variance times (1/cx + 1/cy) */
	double se2 = cx < 2 || cy < 2 ? NAN : ((cx - 1) * vx + (cy - 1) * vy) / nu * ((double)(cx + cy) / ((double)cx * cy));
	if (!(se2 > 0) || !isfinite(se2) || !isfinite(mx - my)) {
		if (df)
			*df = NAN;
		if (p)
			*p = NAN;
		return NAN;
	}
	double t = (mx - my) / sqrt(se2);
	if (df)
		*df = nu;
	if (p)
		*p = 2 * ofs_t_sf(fabs(t), nu);
	return t;
}

double ofs_cochran_armitage(const long *k, const long *n, const double *t, int m, double *p)
{
	double N = 0, R = 0, st = 0, stt = 0, T = 0;
	for (int i = 0; i < m; i++) {
		N += (double)n[i];
		R += (double)k[i];
		st += (double)n[i] * t[i];
		stt += (double)n[i] * t[i] * t[i];
	}
	*p = NAN;
	if (N <= 0)
		return NAN;
	double pb = R / N;
	for (int i = 0; i < m; i++)
		T += t[i] * ((double)k[i] - (double)n[i] * pb);
	double var = pb * (1 - pb) * (stt - st * st / N);
	if (!(var > 0))
		return NAN;
	double z = T / sqrt(var);
	*p = fmin(1, 2 * ofs_norm_sf(fabs(z)));
	return z;
}
