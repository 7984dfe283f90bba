/* accounts.c — the user-account and delete-queue tools of the deletion task:
 * list, add and remove a server's users and the files queued for deletion. */
#include "tools/tools_int.h"

#include <stddef.h>

static int find_str(const char **arr, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(arr[i], s))
			return i;
	return -1;
}

/* Remove s from the first *n entries of arr; its index, or -1 if absent. */
static int remove_str(const char **arr, int *n, const char *s)
{
	int i = find_str(arr, *n, s);
	if (i < 0)
		return -1;
	memmove(&arr[i], &arr[i + 1], sizeof(char *) * (size_t)(*n - i - 1));
	(*n)--;
	return i;
}

static enum ofs_tool_status t_list_users(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	SERVER(s, "ip");
	ofs_yaml_list(out, s->users, s->nusers);
	return OFS_TOOL_OK;
}

static enum ofs_tool_status t_remove_user(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	SERVER(s, "ip");
	NEED(user, "user");
	if (remove_str(s->users, &s->nusers, user) < 0)
		return ofs_tool_fail(out, "User '%s' not found on server %s.", user, s->ip);
	ofs_buf_printf(out, "User '%s' removed from server %s.", user, s->ip);
	return OFS_TOOL_OK;
}

static enum ofs_tool_status t_add_user(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	SERVER(s, "ip");
	NEED(user, "user");
	if (!*user)
		return ofs_tool_fail(out, "The user name is empty.");
	if (find_str(s->users, s->nusers, user) >= 0)
		return ofs_tool_fail(out, "User '%s' already exists on server %s.", user, s->ip);
	CHARGE(strlen(user) + 1 + sizeof(char *));
	ofs_tool_grow(w->A, (void **)&s->users, s->nusers, &s->capusers, sizeof(char *));
	s->users[s->nusers++] = ofs_arena_strdup(w->A, user);
	ofs_buf_printf(out, "User '%s' added to server %s.", user, s->ip);
	return OFS_TOOL_OK;
}

static enum ofs_tool_status t_list_queue(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	SERVER(s, "ip");
	ofs_yaml_list(out, s->queue, s->nqueue);
	return OFS_TOOL_OK;
}

static enum ofs_tool_status t_add_queue(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	SERVER_FILE(s, k, name);
	if (find_str(s->queue, s->nqueue, name) >= 0)
		return ofs_tool_fail(out, "File '%s' is already in the delete queue of server %s.", name, s->ip);
	ofs_tool_grow(w->A, (void **)&s->queue, s->nqueue, &s->capqueue, sizeof(char *));
	s->queue[s->nqueue++] = s->files[k].filename;
	ofs_buf_printf(out, "File '%s' added to the delete queue of server %s.", name, s->ip);
	return OFS_TOOL_OK;
}

static enum ofs_tool_status t_remove_queue(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	SERVER(s, "ip");
	NEED(name, "filename");
	if (remove_str(s->queue, &s->nqueue, name) < 0)
		return ofs_tool_fail(out, "File '%s' is not in the delete queue of server %s.", name, s->ip);
	ofs_buf_printf(out, "File '%s' removed from the delete queue of server %s.", name, s->ip);
	return OFS_TOOL_OK;
}

const struct ofs_tool_def ofs_tools_accounts[] = {
        {"list_server_users", t_list_users},
        {"remove_server_user", t_remove_user},
        {"add_server_user", t_add_user},
        {"list_server_delete_queue", t_list_queue},
        {"add_server_delete_queue", t_add_queue},
        {"remove_server_delete_queue", t_remove_queue},
        {NULL, NULL},
};
