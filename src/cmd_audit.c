/* cmd_audit.c — `offswitch audit SUBCOMMAND`: the tamper-evident audit log
 * (lib/audit, docs/audit.md): keys, appends, signed checkpoints, verification,
 * inclusion and consistency proofs, listing and torn-tail repair. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include <jansson.h>

#include "offswitch/audit.h"
#include "offswitch/fs.h"
#include "offswitch/util.h"

static const char audit_usage[] =
        "Usage: offswitch audit keygen NAME --out KEYFILE [--verifier FILE]\n"
        "       offswitch audit append LOG [--batch N] [--secret S]... [--secret-env VAR]... < RECORDS\n"
        "       offswitch audit checkpoint LOG --key KEYFILE [--origin ORIGIN] [--out FILE]\n"
        "       offswitch audit verify LOG [--checkpoint FILE --key VERIFIERKEY]\n"
        "       offswitch audit prove LOG N\n"
        "       offswitch audit consistency LOG --old CHECKPOINT [--key VERIFIERKEY]\n"
        "       offswitch audit show LOG\n"
        "       offswitch audit repair LOG\n"
        "\n"
        "A tamper-evident, append-only log of exchanges and verdicts: records of\n"
        "compact JSON {\"kind\",\"ts\",\"data\"} hashed into an RFC 9162 Merkle tree, with\n"
        "checkpoints in the C2SP tlog-checkpoint format signed as C2SP signed notes\n"
        "(Ed25519). See docs/audit.md.\n"
        "\n"
        "  keygen       make an Ed25519 key called NAME (a schema-less URL such as\n"
        "               example.com/audit); the private key goes to KEYFILE (mode 0600,\n"
        "               never overwritten), the verifier key NAME+ID+KEY to stdout (and FILE)\n"
        "  append       append one record per stdin line, each a JSON object with \"kind\",\n"
        "               \"ts\" and optional \"data\"; one group commit (write + fdatasync) per\n"
        "               N lines (default 64) and at the end. Secrets given by --secret or\n"
        "               named by --secret-env, and credential fields (Authorization,\n"
        "               x-api-key, ...), are redacted before anything is written\n"
        "  checkpoint   print (or write to FILE) a signed checkpoint of the log's tree;\n"
        "               ORIGIN defaults to the key's name\n"
        "  verify       recompute every record, the chain and the tree; with a checkpoint\n"
        "               (signature checked with VERIFIERKEY), also that the log still holds\n"
        "               its records unchanged. Names the first bad record\n"
        "  prove        an RFC 9162 inclusion proof for record N (from 0) in today's tree,\n"
        "               as JSON\n"
        "  consistency  an RFC 9162 consistency proof from an old checkpoint to today's\n"
        "               tree, as JSON; fails when the log no longer extends the checkpoint\n"
        "  show         print each record as a JSON line {\"index\":N,\"record\":{...}}\n"
        "  repair       drop a torn tail (a partial last record left by a crash) and say\n"
        "               how many bytes were dropped\n"
        "\n"
        "VERIFIERKEY is the key text or a file holding it.\n"
        "\n"
        "Exit status: 0 ok; 1 the log is damaged or tampered with, or a checkpoint does\n"
        "not match it; 2 bad flags; 3 a bad key, checkpoint or record line; 4 a file\n"
        "cannot be read or written.\n";

struct aopts {
	const char *out, *verifier, *key, *checkpoint, *old, *origin;
	const char *secrets[OFS_AUDIT_MAX_SECRETS], *envs[OFS_AUDIT_MAX_SECRETS];
	int nsecrets, nenvs;
	long batch;
	const char *args[2];
	int nargs;
};

static void parse(const char *sub, struct aopts *o, int argc, char **argv)
{
	static const struct option opts[] = {{"out", required_argument, 0, 'o'},
	                                     {"verifier", required_argument, 0, 'v'},
	                                     {"key", required_argument, 0, 'k'},
	                                     {"checkpoint", required_argument, 0, 'c'},
	                                     {"old", required_argument, 0, 'O'},
	                                     {"origin", required_argument, 0, 'g'},
	                                     {"secret", required_argument, 0, 's'},
	                                     {"secret-env", required_argument, 0, 'e'},
	                                     {"batch", required_argument, 0, 'b'},
	                                     {"help", no_argument, 0, 'h'},
	                                     {0, 0, 0, 0}};
	int c;
	char *end;
	memset(o, 0, sizeof *o);
	o->batch = 64;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': fputs(audit_usage, stdout); exit(EXIT_OK);
		case 'o': o->out = optarg; break;
		case 'v': o->verifier = optarg; break;
		case 'k': o->key = optarg; break;
		case 'c': o->checkpoint = optarg; break;
		case 'O': o->old = optarg; break;
		case 'g': o->origin = optarg; break;
		case 's':
		case 'e':
			if (o->nsecrets + o->nenvs >= OFS_AUDIT_MAX_SECRETS)
				die_usage("audit", "more than %d secrets", OFS_AUDIT_MAX_SECRETS);
			if (c == 's')
				o->secrets[o->nsecrets++] = optarg;
			else
				o->envs[o->nenvs++] = optarg;
			break;
		case 'b':
			o->batch = strtol(optarg, &end, 10);
			if (*end || o->batch < 1 || o->batch > 1000000)
				die_usage("audit", "--batch: a number from 1 to 1000000 expected, not '%s'", optarg);
			break;
		default: die_usage("audit", "%s: unrecognised option '%s'", sub, argv[optind - 1]);
		}
	}
	while (optind < argc) {
		if (o->nargs == 2)
			die_usage("audit", "%s: unexpected argument '%s'", sub, argv[optind]);
		o->args[o->nargs++] = argv[optind++];
	}
}

static int fail(int code, const char *msg)
{
	fprintf(stderr, "offswitch audit: %s\n", msg);
	return code;
}

/* A key from a file or, when no such file exists, from the text itself. */
static int load_key(struct ofs_audit_key *k, const char *arg, char *err)
{
	size_t n;
	char *t = ofs_read_file(arg, 4096, &n);
	if (!t && errno != ENOENT)
		return ofs_fail(err, OFS_EIO, "%s: %s", arg, strerror(errno));
	int rc = ofs_audit_key_parse(k, t ? t : arg, err);
	if (t) {
		memset(t, 0, n);
		free(t);
	}
	return rc;
}

static int load_checkpoint(struct ofs_audit_checkpoint *cp, const char *path, const char *key, char *err)
{
	struct ofs_audit_key vk;
	int rc = key ? load_key(&vk, key, err) : 0;
	if (rc)
		return rc;
	size_t n;
	char *t = ofs_read_file(path, 8192, &n);
	if (!t)
		return ofs_fail(err, OFS_EIO, "%s: %s", path, strerror(errno));
	rc = ofs_audit_checkpoint_parse(cp, t, n, key ? &vk : NULL, err);
	free(t);
	if (rc) {
		char tmp[OFS_ERRLEN];
		snprintf(tmp, sizeof tmp, "%s: %s", path, err);
		strcpy(err, tmp);
	}
	return rc;
}

static int need_args(const char *sub, const struct aopts *o, int n, const char *what)
{
	if (o->nargs != n)
		die_usage("audit", "%s: %s", sub, what);
	return 0;
}

static int do_keygen(struct aopts *o)
{
	char err[OFS_ERRLEN], priv[512], pub[512];
	need_args("keygen", o, 1, "NAME is required");
	if (!o->out)
		die_usage("audit", "keygen: --out KEYFILE is required");
	struct ofs_audit_key k;
	int rc = ofs_audit_keygen(&k, o->args[0], err);
	if (rc)
		return fail(exit_for(rc), err);
	ofs_audit_key_private_text(&k, priv, sizeof priv);
	ofs_audit_key_verifier_text(&k, pub, sizeof pub);
	memset(&k, 0, sizeof k);
	int fd = open(o->out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	size_t n = strlen(priv);
	priv[n] = '\n';
	int ok = fd >= 0 && write(fd, priv, n + 1) == (ssize_t)(n + 1) && fsync(fd) == 0;
	int e = errno;
	memset(priv, 0, sizeof priv);
	if (fd >= 0)
		close(fd);
	if (!ok) {
		snprintf(err, sizeof err, "%s: %s", o->out, e == EEXIST ? "exists (a key is never overwritten)" : strerror(e));
		return fail(EXIT_IO, err);
	}
	if (o->verifier) {
		FILE *f = fopen(o->verifier, "w");
		if (!f || fprintf(f, "%s\n", pub) < 0 || fclose(f)) {
			snprintf(err, sizeof err, "%s: %s", o->verifier, strerror(errno));
			return fail(EXIT_IO, err);
		}
	}
	printf("%s\n", pub);
	return EXIT_OK;
}

/* The committer of `audit append`: it makes each batch durable (in order,
 * one group commit each) while the main thread reads and redacts the next,
 * so that parsing overlaps fdatasync. At most two batches are outstanding. */
struct committer {
	struct ofs_audit *a;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t targets[2];
	int head, count, done, rc;
};

static void *commit_loop(void *arg)
{
	struct committer *c = arg;
	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->count && !c->done)
			pthread_cond_wait(&c->cv, &c->mu);
		if (!c->count)
			break;
		uint64_t t = c->targets[c->head];
		pthread_mutex_unlock(&c->mu);
		int r = ofs_audit_sync(c->a, t);
		pthread_mutex_lock(&c->mu);
		c->head = (c->head + 1) % 2;
		c->count--;
		if (r && !c->rc)
			c->rc = r;
		pthread_cond_broadcast(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* Queue batch end t for the committer; waits while two are outstanding.
 * Returns the committer's first error (0 none). */
static int post(struct committer *c, uint64_t t)
{
	pthread_mutex_lock(&c->mu);
	while (c->count == 2 && !c->rc)
		pthread_cond_wait(&c->cv, &c->mu);
	if (!c->rc) {
		c->targets[(c->head + c->count) % 2] = t;
		c->count++;
		pthread_cond_broadcast(&c->cv);
	}
	int rc = c->rc;
	pthread_mutex_unlock(&c->mu);
	return rc;
}

static int finish(struct committer *c, pthread_t th)
{
	pthread_mutex_lock(&c->mu);
	c->done = 1;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(th, NULL);
	return c->rc;
}

/* One stdin line {"kind","ts","data"} appended; 0 or an exit status. */
static int append_line(struct ofs_audit *a, const char *line, long lineno, uint64_t *index)
{
	json_error_t je;
	json_t *j = json_loads(line, JSON_REJECT_DUPLICATES, &je);
	const char *kind = json_string_value(json_object_get(j, "kind")), *ts = json_string_value(json_object_get(j, "ts"));
	json_t *d = json_object_get(j, "data");
	if (!kind || !ts) {
		fprintf(stderr, "offswitch audit: stdin line %ld: a JSON object with string \"kind\" and \"ts\" expected\n",
		        lineno);
		json_decref(j);
		return EXIT_DATA;
	}
	int rc = ofs_audit_append_json(a, kind, ts, d, index);
	json_decref(j);
	return rc ? fail(exit_for(rc), ofs_audit_errmsg(a)) : 0;
}

static int do_append(struct aopts *o)
{
	char err[OFS_ERRLEN];
	need_args("append", o, 1, "LOG is required");
	struct ofs_audit_opts ao = {
	        .secrets = o->secrets, .nsecrets = o->nsecrets, .secret_envs = o->envs, .nsecret_envs = o->nenvs};
	struct ofs_audit *a;
	int rc = ofs_audit_open(&a, o->args[0], &ao, err);
	if (rc)
		return fail(rc == OFS_ECORRUPT ? EXIT_FAILED : exit_for(rc), err);
	struct committer c = {.a = a};
	pthread_mutex_init(&c.mu, NULL);
	pthread_cond_init(&c.cv, NULL);
	pthread_t th;
	if (pthread_create(&th, NULL, commit_loop, &c)) {
		ofs_audit_close(a);
		return fail(EXIT_IO, "cannot start the committer thread");
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long lineno = 0, added = 0;
	uint64_t last = 0;
	int st = 0;
	while (!st && (n = getline(&line, &cap, stdin)) > 0) {
		lineno++;
		if (n == 1 && line[0] == '\n')
			continue;
		st = append_line(a, line, lineno, &last);
		if (!st && ++added % o->batch == 0 && post(&c, last))
			st = fail(EXIT_IO, ofs_audit_errmsg(a));
	}
	free(line);
	if (finish(&c, th) && !st)
		st = fail(EXIT_IO, ofs_audit_errmsg(a));
	if (ofs_audit_commit(a) && !st)
		st = fail(EXIT_IO, ofs_audit_errmsg(a));
	pthread_mutex_destroy(&c.mu);
	pthread_cond_destroy(&c.cv);
	uint64_t size;
	uint8_t root[OFS_AUDIT_HASHLEN];
	ofs_audit_head(a, &size, root);
	ofs_audit_close(a);
	if (!st)
		printf("%s: %ld record(s) appended; tree size %" PRIu64 "\n", o->args[0], added, size);
	return st;
}

static int verify_code(int rc)
{
	return rc == OFS_ECORRUPT ? EXIT_FAILED : exit_for(rc);
}

static int do_checkpoint(struct aopts *o)
{
	char err[OFS_ERRLEN], text[1024];
	need_args("checkpoint", o, 1, "LOG is required");
	if (!o->key)
		die_usage("audit", "checkpoint: --key KEYFILE is required");
	struct ofs_audit_key k;
	int rc = load_key(&k, o->key, err);
	if (!rc && !k.has_private)
		rc = ofs_fail(err, OFS_EDATA, "%s: a private key (PRIVATE+KEY+...) is needed to sign", o->key);
	if (rc)
		return fail(exit_for(rc), err);
	struct ofs_audit_result r;
	rc = ofs_audit_verify(o->args[0], NULL, &r, err);
	if (!rc)
		rc = ofs_audit_checkpoint_sign(&k, o->origin ? o->origin : k.name, r.size, r.root, text, sizeof text, err);
	memset(&k, 0, sizeof k);
	if (rc)
		return fail(verify_code(rc), err);
	if (o->out) {
		rc = ofs_write_atomic(o->out, text, strlen(text), 0, err);
		if (rc)
			return fail(EXIT_IO, err);
	} else {
		fputs(text, stdout);
	}
	return EXIT_OK;
}

static int do_verify(struct aopts *o)
{
	char err[OFS_ERRLEN];
	need_args("verify", o, 1, "LOG is required");
	if (!o->checkpoint != !o->key)
		die_usage("audit", "verify: --checkpoint and --key go together");
	struct ofs_audit_checkpoint cp;
	int rc = o->checkpoint ? load_checkpoint(&cp, o->checkpoint, o->key, err) : 0;
	if (rc)
		return fail(exit_for(rc), err);
	struct ofs_audit_result r;
	rc = ofs_audit_verify(o->args[0], o->checkpoint ? &cp : NULL, &r, err);
	if (rc)
		return fail(verify_code(rc), err);
	char b64[64];
	ofs_audit_b64(r.root, OFS_AUDIT_HASHLEN, b64);
	printf("%s: ok: %" PRIu64 " records, root %s", o->args[0], r.size, b64);
	if (o->checkpoint)
		printf("; checkpoint %s (%s, size %" PRIu64 ") verified", o->checkpoint, cp.origin, cp.size);
	printf("\n");
	return EXIT_OK;
}

static void put_hashes(const char *key, uint8_t path[][OFS_AUDIT_HASHLEN], int n)
{
	char b[64];
	printf(",\"%s\":[", key);
	for (int i = 0; i < n; i++) {
		ofs_audit_b64(path[i], OFS_AUDIT_HASHLEN, b);
		printf("%s\"%s\"", i ? "," : "", b);
	}
	printf("]");
}

static void put_hash(const char *key, const uint8_t *h)
{
	char b[64];
	ofs_audit_b64(h, OFS_AUDIT_HASHLEN, b);
	printf(",\"%s\":\"%s\"", key, b);
}

static int do_prove(struct aopts *o)
{
	char err[OFS_ERRLEN], *end;
	need_args("prove", o, 2, "LOG and N are required");
	unsigned long long m = strtoull(o->args[1], &end, 10);
	if (*end || !*o->args[1] || o->args[1][0] == '-')
		die_usage("audit", "prove: N must be a record index (0, 1, ...), not '%s'", o->args[1]);
	uint8_t *lv, root[OFS_AUDIT_HASHLEN], path[OFS_AUDIT_MAX_PROOF][OFS_AUDIT_HASHLEN];
	uint64_t n;
	int rc = ofs_audit_leaves(o->args[0], &lv, &n, err);
	if (rc)
		return fail(verify_code(rc), err);
	if (m >= n) {
		free(lv);
		snprintf(err, sizeof err, "%s: no record %llu (the log has %" PRIu64 ")", o->args[0], m, n);
		return fail(EXIT_USAGE, err);
	}
	int k = ofs_audit_inclusion(lv, n, m, path);
	ofs_audit_mth(lv, n, root);
	printf("{\"index\":%llu,\"tree_size\":%" PRIu64, m, n);
	put_hash("leaf_hash", lv + m * OFS_AUDIT_HASHLEN);
	put_hash("root", root);
	put_hashes("proof", path, k);
	printf("}\n");
	free(lv);
	return EXIT_OK;
}

static int do_consistency(struct aopts *o)
{
	char err[OFS_ERRLEN];
	need_args("consistency", o, 1, "LOG is required");
	if (!o->old)
		die_usage("audit", "consistency: --old CHECKPOINT is required");
	struct ofs_audit_checkpoint cp;
	int rc = load_checkpoint(&cp, o->old, o->key, err);
	if (rc)
		return fail(exit_for(rc), err);
	uint8_t *lv, root[OFS_AUDIT_HASHLEN], old[OFS_AUDIT_HASHLEN], path[OFS_AUDIT_MAX_PROOF][OFS_AUDIT_HASHLEN];
	uint64_t n;
	rc = ofs_audit_leaves(o->args[0], &lv, &n, err);
	if (rc)
		return fail(verify_code(rc), err);
	if (cp.size > n || cp.size == 0) {
		free(lv);
		snprintf(err, sizeof err, "%s: the checkpoint's size %" PRIu64 " is %s the log's %" PRIu64, o->old, cp.size,
		         cp.size ? "beyond" : "0, below", n);
		return fail(EXIT_FAILED, err);
	}
	ofs_audit_mth(lv, cp.size, old);
	if (memcmp(old, cp.root, OFS_AUDIT_HASHLEN)) {
		free(lv);
		snprintf(err, sizeof err, "%s: the log's first %" PRIu64 " records do not give the checkpoint's root: rewritten",
		         o->args[0], cp.size);
		return fail(EXIT_FAILED, err);
	}
	int k = ofs_audit_consistency(lv, n, cp.size, path);
	ofs_audit_mth(lv, n, root);
	printf("{\"old_size\":%" PRIu64 ",\"new_size\":%" PRIu64, cp.size, n);
	put_hash("old_root", old);
	put_hash("new_root", root);
	put_hashes("proof", path, k);
	printf("}\n");
	free(lv);
	return EXIT_OK;
}

static int show_one(void *ud, uint64_t index, const char *payload, size_t len)
{
	printf("{\"index\":%" PRIu64 ",\"record\":%.*s}\n", index, (int)len, payload);
	return ferror(stdout) ? OFS_EIO : 0;
}

static int do_show(struct aopts *o)
{
	char err[OFS_ERRLEN];
	need_args("show", o, 1, "LOG is required");
	int rc = ofs_audit_each(o->args[0], show_one, NULL, err);
	if (rc == OFS_EIO && ferror(stdout))
		return fail(EXIT_IO, "stdout: write error");
	return rc ? fail(verify_code(rc), err) : EXIT_OK;
}

static int do_repair(struct aopts *o)
{
	char err[OFS_ERRLEN];
	need_args("repair", o, 1, "LOG is required");
	struct ofs_audit_opts ao = {.repair = 1};
	struct ofs_audit *a;
	int rc = ofs_audit_open(&a, o->args[0], &ao, err);
	if (rc)
		return fail(verify_code(rc), err);
	uint64_t dropped = ofs_audit_repaired(a), size;
	uint8_t root[OFS_AUDIT_HASHLEN];
	ofs_audit_head(a, &size, root);
	ofs_audit_close(a);
	if (dropped)
		printf("%s: dropped a torn tail of %" PRIu64 " bytes; %" PRIu64 " whole records kept\n", o->args[0], dropped,
		       size);
	else
		printf("%s: no torn tail; %" PRIu64 " records\n", o->args[0], size);
	return EXIT_OK;
}

int cmd_audit(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct aopts *);
	} subs[] = {{"keygen", do_keygen}, {"append", do_append}, {"checkpoint", do_checkpoint},
	            {"verify", do_verify}, {"prove", do_prove},   {"consistency", do_consistency},
	            {"show", do_show},     {"repair", do_repair}};
	if (argc < 2)
		die_usage("audit",
		          "a subcommand is required (keygen, append, checkpoint, verify, prove, consistency, show, repair)");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(audit_usage, stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof subs / sizeof *subs; i++)
		if (!strcmp(argv[1], subs[i].name)) {
			static struct aopts o;
			parse(argv[1], &o, argc - 1, argv + 1);
			return subs[i].fn(&o);
		}
	die_usage("audit", "unknown subcommand '%s'", argv[1]);
	return EXIT_USAGE;
}
