#!/bin/sh
# Regenerate roles/edgefw/vars/shipped-policy.json from the policy edgefw
# ships (policies/lync2013-scaled-edge-dnslb-public.json): its name,
# description, settings, peer sets, the 37 port-summary rules and the
# management rules, everything but the example nodes.  The role renders
# these with the inventory's nodes and changes.  Run it after editing the
# shipped policy; tests/packaging/ansible.sh fails while the two differ.
# Needs jq.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
src=$root/policies/lync2013-scaled-edge-dnslb-public.json
out=$here/roles/edgefw/vars/shipped-policy.json
jq --indent 2 '{edgefw_shipped_policy: ({source: "policies/lync2013-scaled-edge-dnslb-public.json"}
	+ {name, description, settings, peers, rules, management})}' "$src" >"$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out: $(jq '.edgefw_shipped_policy.rules | length' "$out") rules, $(jq '.edgefw_shipped_policy.management | length' "$out") management rules"
