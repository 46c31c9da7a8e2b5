/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A member of a JSON object read leniently (the files and messages the
 * agent writes itself): absent is a default, never an error. */
#ifndef EF_JGET_H
#define EF_JGET_H

#include <stdint.h>
#include <json-c/json.h>

/* o's member k as a string; dflt when o has no k */
static inline const char *ef_jstr(json_object *o, const char *k, const char *dflt)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : dflt;
}

/* o's member k as a number; 0 when o has no k */
static inline int64_t ef_jint(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

#endif
