/* shell.c — the shell commands of shell tools: which tool calls run a shell
 * command (the tools of real agent CLIs), and a small POSIX-ish splitter
 * that turns a command line into simple commands of unquoted words, so that
 * rules see `scp a b` whether the agent wrote `cd x && "scp" 'a' b | cat`
 * or `sh -c 'scp a b'`. Not a shell: no expansion, no here-docs; $(...) and
 * backquotes are kept as words. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/util.h"
#include "offswitch/watch.h"

#define SHELL_MAX_CMDS  256
#define SHELL_MAX_DEPTH 4

struct split {
	int (*fn)(void *, const char *);
	void *ctx;
	int ncmds;
};

static int split_at(struct split *s, const char *cmd, int depth);

static int is_wrapper(const char *w)
{
	static const char *const words[] = {"sudo", "env", "nohup", "time", "exec", "command", "doas", NULL};
	for (int i = 0; words[i]; i++)
		if (!strcmp(w, words[i]))
			return 1;
	return 0;
}

static int is_assignment(const char *w)
{
	const char *eq = strchr(w, '=');
	if (!eq || eq == w)
		return 0;
	for (const char *p = w; p < eq; p++)
		if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (p > w && *p >= '0' && *p <= '9')))
			return 0;
	return 1;
}

static int is_shell(const char *w)
{
	const char *b = strrchr(w, '/');
	b = b ? b + 1 : w;
	return !strcmp(b, "sh") || !strcmp(b, "bash") || !strcmp(b, "zsh") || !strcmp(b, "dash") || !strcmp(b, "ksh");
}

/* One simple command of nw words: unwrap `sh -c SCRIPT`, drop wrappers and
 * assignments, and hand the rest on joined by spaces. */
static int emit(struct split *s, char **w, int nw, int depth)
{
	int i = 0;
	while (i < nw && (is_assignment(w[i]) || is_wrapper(w[i]) || (i > 0 && w[i][0] == '-' && is_wrapper(w[i - 1]))))
		i++;
	if (i >= nw)
		return 0;
	if (is_shell(w[i]) && depth < SHELL_MAX_DEPTH)
		for (int j = i + 1; j + 1 < nw; j++)
			if (w[j][0] == '-' && strchr(w[j], 'c'))
				return split_at(s, w[j + 1], depth + 1);
	if (++s->ncmds > SHELL_MAX_CMDS)
		return 0;
	struct ofs_buf b = {0};
	for (int j = i; j < nw; j++) {
		if (j > i)
			ofs_buf_putc(&b, ' ');
		ofs_buf_puts(&b, w[j]);
	}
	int rc = s->fn(s->ctx, b.p ? b.p : "");
	ofs_buf_free(&b);
	return rc;
}

/* Read one quoted part starting after the quote q; returns the position after the closing quote. */
static const char *quoted(const char *p, char q, struct ofs_buf *word)
{
	while (*p && *p != q) {
		if (q == '"' && *p == '\\' && p[1] && strchr("\"\\$`\n", p[1]))
			p++;
		ofs_buf_putc(word, *p++);
	}
	return *p ? p + 1 : p;
}

static int is_sep(char c)
{
	return c == ';' || c == '&' || c == '|' || c == '\n' || c == '(' || c == ')';
}

static int flush_cmd(struct split *s, char ***w, int *nw, int depth)
{
	int rc = *nw ? emit(s, *w, *nw, depth) : 0;
	for (int i = 0; i < *nw; i++)
		free((*w)[i]);
	*nw = 0;
	return rc;
}

static int split_at(struct split *s, const char *p, int depth)
{
	char **w = NULL;
	int nw = 0, cap = 0, rc = 0;
	struct ofs_buf word = {0};
	int inword = 0;
	while (!rc) {
		char c = *p;
		if (c == 0 || c == ' ' || c == '\t' || is_sep(c) || (c == '#' && !inword)) {
			if (inword) {
				if (nw == cap)
					w = ofs_xrealloc(w, (cap = cap ? 2 * cap : 8) * sizeof *w);
				w[nw++] = ofs_xstrdup(word.p ? word.p : "");
				ofs_buf_reset(&word);
				inword = 0;
			}
			if (c == '#')
				while (*p && *p != '\n')
					p++;
			else if (c == 0 || is_sep(c))
				rc = flush_cmd(s, &w, &nw, depth);
			if (!*p)
				break;
			p++;
			continue;
		}
		inword = 1;
		if (c == '\'' || c == '"')
			p = quoted(p + 1, c, &word);
		else if (c == '\\' && p[1])
			ofs_buf_putc(&word, p[1]), p += 2;
		else
			ofs_buf_putc(&word, c), p++;
	}
	flush_cmd(s, &w, &nw, depth);
	free(w);
	ofs_buf_free(&word);
	return rc;
}

int ofs_watch_shell_split(const char *cmd, int (*fn)(void *ctx, const char *simple), void *ctx)
{
	if (!cmd || !fn)
		return 0;
	struct split s = {fn, ctx, 0};
	return split_at(&s, cmd, 0);
}

/* The command of a parsed arguments object: a string, or an array of words
 * (Codex's exec_command cmd; ["bash","-lc","..."] is quoted back). */
static char *command_of(json_t *v)
{
	if (json_is_string(v))
		return ofs_xstrdup(json_string_value(v));
	if (!json_is_array(v))
		return NULL;
	struct ofs_buf b = {0};
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
	{
		if (!json_is_string(e))
			continue;
		if (i)
			ofs_buf_putc(&b, ' ');
		ofs_buf_putc(&b, '\'');
		for (const char *p = json_string_value(e); *p; p++)
			if (*p == '\'')
				ofs_buf_puts(&b, "'\\''");
			else
				ofs_buf_putc(&b, *p);
		ofs_buf_putc(&b, '\'');
	}
	if (!b.p)
		ofs_buf_puts(&b, "");
	return ofs_buf_detach(&b);
}

char *ofs_watch_shell_text(const char *tool, const char *arguments)
{
	static const char *const shells[] = {"bash",         "Bash",        "shell",       "run_shell_command",
	                                     "exec_command", "exec",        "run_command", "execute_command",
	                                     "terminal",     "local_shell", NULL};
	if (!tool || !arguments)
		return NULL;
	json_t *a = json_loads(arguments, JSON_DECODE_ANY, NULL);
	if (!json_is_object(a)) {
		json_decref(a);
		return NULL;
	}
	int known = 0;
	for (int i = 0; shells[i]; i++)
		known |= !strcmp(tool, shells[i]);
	json_t *v = json_object_get(a, "command");
	if (!v)
		v = json_object_get(a, "cmd");
	char *r = NULL;
	if (v && (known || json_object_size(a) <= 3))
		r = command_of(v);
	json_decref(a);
	return r;
}
