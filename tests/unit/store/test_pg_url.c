/* test_pg_url.c — a store URL's display form and the scrubbing of libpq's
 * messages: the password (userinfo, password= parameter, percent-encoded)
 * never survives; everything else is kept. */
#include <string.h>

#include "t.h"
#include "store/pg_int.h"

static void test_display(void)
{
	char out[512];
	ofs_store_display("postgresql://alice:s3cret@db.example:5433/runs", out, sizeof out);
	CHECK_STR(out, "postgresql://alice:***@db.example:5433/runs");
	ofs_store_display("postgres://alice@h/db?password=s3cret&sslmode=require", out, sizeof out);
	CHECK_STR(out, "postgres://alice@h/db?password=***&sslmode=require");
	ofs_store_display("postgresql://a:p%40ss@h/db?sslmode=disable&password=x", out, sizeof out);
	CHECK_STR(out, "postgresql://a:***@h/db?sslmode=disable&password=***");
	ofs_store_display("postgresql:///db?host=/tmp/sock&user=u", out, sizeof out);
	CHECK_STR(out, "postgresql:///db?host=/tmp/sock&user=u");
	ofs_store_display("results/run1", out, sizeof out);
	CHECK_STR(out, "results/run1");
	/* an @ in the path is not userinfo; the last @ of the authority ends it */
	ofs_store_display("postgresql://u:a@b@h/d@x", out, sizeof out);
	CHECK_STR(out, "postgresql://u:***@h/d@x");
	/* truncation keeps the mask */
	ofs_store_display("postgresql://u:longpassword@h/db", out, 18);
	CHECK_STR(out, "postgresql://u:**");
}

static void test_is_dir(void)
{
	CHECK(ofs_store_is_dir("results/x"));
	CHECK(ofs_store_is_dir("sqlite://results/x"));
	CHECK(!ofs_store_is_dir("postgresql://h/db"));
	CHECK(!ofs_store_is_dir("postgres://h/db"));
}

static void test_scrub(void)
{
	char msg[OFS_ERRLEN];
	snprintf(msg, sizeof msg, "invalid URI \"postgresql://u:p%%40ss@h/db\": user p@ss");
	ofs__pg_scrub(msg, sizeof msg, "postgresql://u:p%40ss@h/db");
	CHECK(!strstr(msg, "p%40ss"));
	CHECK(!strstr(msg, "p@ss"));
	CHECK_STR(msg, "invalid URI \"postgresql://u:***@h/db\": user ***");
	snprintf(msg, sizeof msg, "param pw=topsecret rejected");
	ofs__pg_scrub(msg, sizeof msg, "postgresql://h/db?password=topsecret");
	CHECK_STR(msg, "param pw=*** rejected");
	snprintf(msg, sizeof msg, "no password here");
	ofs__pg_scrub(msg, sizeof msg, "postgresql://u@h/db");
	CHECK_STR(msg, "no password here");
	/* an empty password masks nothing */
	ofs__pg_scrub(msg, sizeof msg, "postgresql://u:@h/db");
	CHECK_STR(msg, "no password here");
}

int main(void)
{
	RUN(test_display);
	RUN(test_is_dir);
	RUN(test_scrub);
	return DONE();
}
