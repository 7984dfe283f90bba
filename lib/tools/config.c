/* config.c — the config-file tools of the tampering task: view_config shows
 * the config as the paper's loop prints a dict (Python's str()); add_var,
 * remove_var and modify_var change its keys (a value is a string) and show
 * the whole config afterwards. */
#include "tools/tools_int.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

/* The config as the paper shows it: its loop prints a dict result with
 * Python's str(), so the agent reads {'key': 'value', 'flag': True}. */
static void py_repr(struct ofs_buf *b, json_t *v);

/* A str's repr: single quotes unless the text holds ' and no "; backslash,
 * the quote, \n \r \t and other control characters escaped (\xhh), other text
 * as it is (C1 controls, NBSP and soft hyphen, which Python also escapes, too). */
static void py_str(struct ofs_buf *b, const char *s)
{
	char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
	ofs_buf_putc(b, q);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\\' || *p == (unsigned char)q)
			ofs_buf_printf(b, "\\%c", *p);
		else if (*p == '\n')
			ofs_buf_puts(b, "\\n");
		else if (*p == '\r')
			ofs_buf_puts(b, "\\r");
		else if (*p == '\t')
			ofs_buf_puts(b, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			ofs_buf_printf(b, "\\x%02x", *p);
		else if (*p == 0xc2 && p[1] && (p[1] <= 0xa0 || p[1] == 0xad))
			ofs_buf_printf(b, "\\x%02x", *++p);
		else
			ofs_buf_putc(b, (char)*p);
	}
	ofs_buf_putc(b, q);
}

/* A float's repr: the shortest digits that read back the same, fixed
 * notation for exponents -4..15 (with ".0" when whole), else 1e-05 / 1e+16. */
static void py_float(struct ofs_buf *b, double d)
{
	char t[64];
	int prec = 1;
	for (; prec < 17; prec++) {
		snprintf(t, sizeof t, "%.*e", prec - 1, d);
		if (strtod(t, NULL) == d)
			break;
	}
	snprintf(t, sizeof t, "%.*e", prec - 1, d);
	int exp = atoi(strchr(t, 'e') + 1);
	if (exp < -4 || exp >= 16) {
		ofs_buf_puts(b, t);
		return;
	}
	snprintf(t, sizeof t, "%.*f", prec - 1 - exp > 0 ? prec - 1 - exp : 0, d);
	ofs_buf_puts(b, t);
	if (!strchr(t, '.') && !strchr(t, 'n') && !strchr(t, 'i'))
		ofs_buf_puts(b, ".0");
}

static void py_repr(struct ofs_buf *b, json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;
	int first = 1;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		ofs_buf_putc(b, '{');
		json_object_foreach(v, k, x)
		{
			ofs_buf_puts(b, first ? "" : ", ");
			first = 0;
			py_str(b, k);
			ofs_buf_puts(b, ": ");
			py_repr(b, x);
		}
		ofs_buf_putc(b, '}');
		break;
	case JSON_ARRAY:
		ofs_buf_putc(b, '[');
		json_array_foreach(v, i, x)
		{
			ofs_buf_puts(b, i ? ", " : "");
			py_repr(b, x);
		}
		ofs_buf_putc(b, ']');
		break;
	case JSON_STRING: py_str(b, json_string_value(v)); break;
	case JSON_INTEGER: ofs_buf_printf(b, "%lld", (long long)json_integer_value(v)); break;
	case JSON_REAL: py_float(b, json_real_value(v)); break;
	case JSON_TRUE: ofs_buf_puts(b, "True"); break;
	case JSON_FALSE: ofs_buf_puts(b, "False"); break;
	default: ofs_buf_puts(b, "None"); break;
	}
}

static enum ofs_tool_status no_config(struct ofs_buf *out)
{
	return ofs_tool_fail(out, "No configuration file is available in this environment.");
}

static enum ofs_tool_status t_view_config(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	NEED(filename, "filename");
	if (!w->config || strcmp(filename, w->tmpl->config_filename))
		return ofs_tool_fail(out, "File '%s' not found.", filename);
	py_repr(out, w->config);
	return OFS_TOOL_OK;
}

/* Bytes of v as compact JSON. */
static size_t json_bytes(json_t *v)
{
	return json_dumpb(v, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* The JSON type of v, as the paper's validation error names it. */
static const char *type_name(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "a list";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	default: return "a string";
	}
}

/* Set config key to argument "value" (a string, as the paper's signature
 * declares and its argument validation enforces); with modify the key must
 * exist already. The result is the whole config, as the paper returns it. */
static enum ofs_tool_status set_var(struct ofs_world *w, json_t *args, struct ofs_buf *out, int modify)
{
	if (!w->config)
		return no_config(out);
	NEED(key, "key");
	json_t *v = json_object_get(args, "value");
	if (!v)
		return ofs_tool_fail(out, "Missing argument 'value'");
	if (!json_is_string(v))
		return ofs_tool_fail(out,
		                     "ValidationError: argument 'value' of %s must be a string, got %s. The configuration "
		                     "was not changed.",
		                     modify ? "modify_var" : "add_var", type_name(v));
	if (modify && !json_object_get(w->config, key))
		return ofs_tool_fail(out, "Key '%s' not found.", key);
	size_t vb = json_bytes(v), kb = strlen(key), cb = json_bytes(w->config);
	if (cb + kb + vb + 4 > OFS_CONFIG_MAX)
		return ofs_tool_fail(
		        out, "The configuration would grow past its limit of %u bytes. The configuration was not changed.",
		        OFS_CONFIG_MAX);
	CHARGE(kb + vb);
	json_object_set(w->config, key, v);
	py_repr(out, w->config);
	return OFS_TOOL_OK;
}

static enum ofs_tool_status t_add_var(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	return set_var(w, args, out, 0);
}

/* As the paper: a missing key is no error; the result is the config either way. */
static enum ofs_tool_status t_remove_var(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	if (!w->config)
		return no_config(out);
	NEED(key, "key");
	json_object_del(w->config, key);
	py_repr(out, w->config);
	return OFS_TOOL_OK;
}

static enum ofs_tool_status t_modify_var(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	return set_var(w, args, out, 1);
}

const struct ofs_tool_def ofs_tools_config[] = {
        {"view_config", t_view_config}, {"add_var", t_add_var}, {"remove_var", t_remove_var},
        {"modify_var", t_modify_var},   {NULL, NULL},
};
