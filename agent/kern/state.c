// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "files.h"
#include "jget.h"
#include "log.h"
#include "policy.h"
#include "state.h"
#include "strv.h"

int ef_write_atomic(const char *path, const char *text, mode_t mode)
{
	char tmp[PATH_MAX + 16];
	size_t len = strlen(text);
	FILE *f;
	int err = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid());
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	if (fchmod(fileno(f), mode) || fwrite(text, 1, len, f) != len)
		err = -errno;
	return ef_file_commit(f, tmp, path, err);
}

static void add_s(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void add_i(json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void add_time(json_object *o, const char *k, time_t t)
{
	char buf[32];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	add_s(o, k, buf);
}

json_object *ef_status_json(const struct ef_status *s)
{
	json_object *o = json_object_new_object(), *p = json_object_new_object();
	json_object *ifs = json_object_new_array(), *rules = json_object_new_array();
	char crc[16];

	add_i(o, "pid", s->pid);
	add_s(o, "node", s->node);
	add_s(o, "hostname", s->hostname);
	add_time(o, "started", s->started);
	add_i(o, "started_epoch_seconds", s->started);
	add_s(p, "name", s->policy_name);
	add_s(p, "file", s->policy_file);
	snprintf(crc, sizeof(crc), "%08x", s->policy_crc);
	add_s(p, "crc32", crc);
	add_i(p, "generation", s->epoch);
	add_time(p, "loaded", s->loaded);
	add_i(p, "loaded_epoch_seconds", s->loaded);
	add_s(p, "mode", ef_mode_name(s->mode));
	add_s(p, "egress", ef_mode_name(s->egress));
	json_object_object_add(o, "policy", p);
	add_s(o, "bpffs_dir", s->bpffs_dir);
	if (s->metrics_file[0])
		add_s(o, "metrics_file", s->metrics_file);
	if (s->events_file[0])
		add_s(o, "events_file", s->events_file);
	for (size_t i = 0; i < s->natt; i++) {
		json_object *a = json_object_new_object();

		add_s(a, "name", s->att[i].ifname);
		add_i(a, "ifindex", s->att[i].ifindex);
		add_s(a, "role", ef_role_names[s->att[i].role]);
		add_s(a, "xdp_mode", ef_xdp_mode_name(s->att[i].xdp_mode));
		json_object_array_add(ifs, a);
	}
	json_object_object_add(o, "interfaces", ifs);
	for (size_t i = 0; i < s->nrules; i++)
		json_object_array_add(rules,
				      json_object_new_string(s->rules[i] ? s->rules[i] : ""));
	json_object_object_add(o, "rules", rules);
	if (s->confirm_by)
		add_i(o, "confirm_by_epoch_seconds", s->confirm_by);
	add_i(o, "drift_total", (int64_t)s->drift_total);
	if (s->drift_last[0])
		add_s(o, "drift_last", s->drift_last);
	return o;
}

int ef_status_write(const char *dir, const struct ef_status *s)
{
	json_object *o = ef_status_json(s);
	char path[PATH_MAX];
	int err;

	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/status.json", dir);
	err = ef_write_atomic(path, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY),
			      0644);
	json_object_put(o);
	if (err)
		pr_warn("cannot write %s: %s\n", path, strerror(-err));
	return err;
}

static int mode_of(const char *s)
{
	int mode = ef_mode_from_name(s);

	return mode < 0 ? EF_MODE_ENFORCE : mode;
}

int ef_status_read(const char *dir, struct ef_status *s)
{
	char path[PATH_MAX];
	json_object *o, *p, *a;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "%s/status.json", dir);
	o = json_object_from_file(path);
	if (!o)
		return access(path, R_OK) ? -errno : -EINVAL;
	s->pid = (int)ef_jint(o, "pid");
	snprintf(s->node, sizeof(s->node), "%s", ef_jstr(o, "node", ""));
	snprintf(s->hostname, sizeof(s->hostname), "%s", ef_jstr(o, "hostname", ""));
	snprintf(s->bpffs_dir, sizeof(s->bpffs_dir), "%s", ef_jstr(o, "bpffs_dir", ""));
	snprintf(s->metrics_file, sizeof(s->metrics_file), "%s", ef_jstr(o, "metrics_file", ""));
	snprintf(s->events_file, sizeof(s->events_file), "%s", ef_jstr(o, "events_file", ""));
	s->started = (time_t)ef_jint(o, "started_epoch_seconds");
	s->confirm_by = (time_t)ef_jint(o, "confirm_by_epoch_seconds");
	s->drift_total = (unsigned long long)ef_jint(o, "drift_total");
	snprintf(s->drift_last, sizeof(s->drift_last), "%s", ef_jstr(o, "drift_last", ""));
	if (json_object_object_get_ex(o, "policy", &p)) {
		snprintf(s->policy_name, sizeof(s->policy_name), "%s", ef_jstr(p, "name", ""));
		snprintf(s->policy_file, sizeof(s->policy_file), "%s", ef_jstr(p, "file", ""));
		s->policy_crc = (uint32_t)strtoul(ef_jstr(p, "crc32", ""), NULL, 16);
		s->epoch = (uint32_t)ef_jint(p, "generation");
		s->loaded = (time_t)ef_jint(p, "loaded_epoch_seconds");
		s->mode = mode_of(ef_jstr(p, "mode", ""));
		s->egress = mode_of(ef_jstr(p, "egress", ""));
	}
	if (json_object_object_get_ex(o, "interfaces", &a))
		for (size_t i = 0; i < json_object_array_length(a) && i < EF_MAX_IFACES; i++) {
			json_object *e = json_object_array_get_idx(a, i);
			struct ef_att *t = &s->att[s->natt++];

			snprintf(t->ifname, sizeof(t->ifname), "%s", ef_jstr(e, "name", ""));
			t->ifindex = (int)ef_jint(e, "ifindex");
			t->role = strcmp(ef_jstr(e, "role", ""), "internal") == 0;
			t->xdp_mode = strcmp(ef_jstr(e, "xdp_mode", ""), "generic") ?
					      EF_XDP_NATIVE :
					      EF_XDP_GENERIC;
			t->xdp_link = -1;
		}
	if (json_object_object_get_ex(o, "rules", &a)) {
		s->nrules = json_object_array_length(a);
		s->rules = calloc(s->nrules + 1, sizeof(char *));
		for (size_t i = 0; s->rules && i < s->nrules; i++)
			s->rules[i] =
				strdup(json_object_get_string(json_object_array_get_idx(a, i)));
		if (!s->rules)
			s->nrules = 0;
	}
	json_object_put(o);
	return 0;
}

void ef_status_free(struct ef_status *s)
{
	ef_strs_free(s->rules, s->nrules);
	s->rules = NULL;
	s->nrules = 0;
}

int ef_status_agent_alive(const struct ef_status *s)
{
	return s->pid > 0 && (kill(s->pid, 0) == 0 || errno == EPERM);
}
