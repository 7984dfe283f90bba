/* groups.c — data groups: "main" (the paper's matrix) and the others a
 * manifest names with "group" (robustness checks, modes, ablations),
 * selected by plans with --group. */
#include <stdio.h>
#include <string.h>

#include "offswitch/scenario.h"
#include "offswitch/util.h"

/* A task built without a manifest (tests) has no group: it is main's. */
static const char *group_of(const struct ofs_task *t)
{
	return t->group ? t->group : "main";
}

int ofs_group_matches(const char *name, const char *sel)
{
	if (!strcmp(sel, "all"))
		return 1;
	size_t n = strlen(sel);
	if (!n || strncmp(name, sel, n))
		return 0;
	return name[n] == 0 || (name[n] == '/' && sel[n - 1] != '/');
}

const char *ofs_catalog_group_list(const struct ofs_catalog *cat, char *out, size_t n)
{
	if (!n)
		return out;
	out[0] = 0;
	for (int i = 0; i < cat->ntasks; i++) {
		const char *g = group_of(&cat->tasks[i]);
		int seen = 0;
		for (int j = 0; j < i && !seen; j++)
			seen = !strcmp(group_of(&cat->tasks[j]), g);
		if (seen)
			continue;
		size_t l = strlen(out);
		if (l >= 3 && !strcmp(out + l - 3, "..."))
			break;
		if (l + strlen(g) + 2 + 4 < n)
			snprintf(out + l, n - l, "%s%s", l ? ", " : "", g);
		else if (l + 6 < n)
			snprintf(out + l, n - l, "%s...", l ? ", " : "");
	}
	return out;
}

int ofs_catalog_group_tasks(const struct ofs_catalog *cat, const char *sel, unsigned *tasks, char *err)
{
	*tasks = 0;
	for (int i = 0; i < cat->ntasks; i++)
		if (ofs_group_matches(group_of(&cat->tasks[i]), sel))
			*tasks |= 1u << i;
	if (*tasks)
		return 0;
	char known[OFS_MAX_TASKS * 48];
	return ofs_fail(err, OFS_EINVAL, "unknown group '%s' (known: all, %s; a prefix such as 'v2' selects its groups)", sel,
	                ofs_catalog_group_list(cat, known, sizeof known));
}
