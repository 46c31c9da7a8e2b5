// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "compile.h"
#include "events.h"
#include "fuzzpolicy.h"
#include "policy.h"

#ifndef EF_SHIPPED_POLICY
#define EF_SHIPPED_POLICY "policies/lync2013-scaled-edge-dnslb-public.json"
#endif

int fuzz_policy_apply(const struct ef_maps *m, int ext, int internal)
{
	json_object *root = json_object_from_file(EF_SHIPPED_POLICY), *nodes, *n, *a, *peers;
	struct ef_policy *p;
	struct ef_compiled c;
	struct ef_diag d;
	const char *text;
	int idx[2] = { ext, internal }, role[2] = { EF_ROLE_EXTERNAL, EF_ROLE_INTERNAL };
	int rc = -1;

	if (!root) {
		fprintf(stderr, "cannot read %s\n", EF_SHIPPED_POLICY);
		return -1;
	}
	json_object_object_get_ex(root, "nodes", &nodes);
	n = json_object_array_get_idx(nodes, 0);
	a = json_object_new_object();
	json_object_object_add(a, "access", ef_json_strs("203.0.113.10", "2001:db8:10::10"));
	json_object_object_add(a, "webconf", ef_json_strs("203.0.113.11", "2001:db8:10::11"));
	json_object_object_add(a, "av", ef_json_strs("203.0.113.12", "2001:db8:10::12"));
	json_object_object_add(a, "internal", ef_json_strs("198.18.0.10", "2001:db8:18::10"));
	json_object_object_add(a, "management", ef_json_strs("198.18.0.5", NULL));
	json_object_object_add(n, "addresses", a);
	json_object_object_get_ex(root, "peers", &peers);
	json_object_object_add(peers, "sip_next_hop",
			       ef_json_strs("198.18.2.0/24", "2001:db8:18:2::/64"));
	json_object_object_add(peers, "public_im_partners",
			       ef_json_strs("198.51.100.0/25", "2001:db8:51::/48"));
	text = json_object_to_json_string(root);
	ef_diag_init(&d, "fuzz-policy");
	p = ef_policy_parse("fuzz-policy", text, strlen(text), &d);
	if (p && !d.errors && ef_compile(p, ef_policy_node(p, "edge1"), -1, &c, &d) == 0) {
		if (ef_set_ifaces(m, idx, role, 2) == 0 && ef_apply(m, &c, 1, NULL, 0) == 0)
			rc = 0;
		ef_compiled_free(&c);
	}
	ef_diag_print(&d, stderr);
	ef_diag_free(&d);
	ef_policy_free(p);
	json_object_put(root);
	return rc;
}
