# May this change be deployed? Decided from the error budget of the SLAs it touches.
#
# input:
#   slas:        rows of `obligo status --format json` (.slas) selected by --sla / --label
#   min_budget:  fraction of the period's error budget that must remain (default 0)
#   change:      { "rollback": bool, "labels": ["fix:acme-cdn/availability", …], "fixes": ["acme-cdn/availability"] }
#
# result: { "decision": "allow" | "deny" | "unknown", "allow": bool, "reasons": [...], "waived": [...] }
#   unknown: no SLA selected, or an SLA without data — the caller exits 2 (or 0 with --fail-open).
package obligo.gate

import rego.v1

# Rounded for messages. (sprintf's %f is avoided: OPA prints %!f(int=10) for an integral number.)
dp1(x) := round(x * 10) / 10

dp3(x) := round(x * 1000) / 1000

min_budget := object.get(input, "min_budget", 0)

key(s) := sprintf("%s/%s", [s.contract, s.sla])

# Changes that repair an SLA may ship while it is out of budget: labelled fix:<contract>/<sla> or listed in fixes.
fixes contains k if {
	some k in object.get(input, ["change", "fixes"], [])
}

fixes contains trim_prefix(l, "fix:") if {
	some l in object.get(input, ["change", "labels"], [])
	startswith(l, "fix:")
}

default rollback := false

rollback if input.change.rollback == true

violations contains {"sla": key(s), "reason": sprintf("%s is breached (%v%% achieved, objective %v%%)", [key(s), dp3(s.achieved), s.objective])} if {
	some s in input.slas
	s.state == "breached"
}

violations contains {"sla": key(s), "reason": sprintf("%s has %v%% of its error budget left, below the required %v%%", [key(s), dp1(s.budgetRemaining * 100), dp1(min_budget * 100)])} if {
	some s in input.slas
	s.state != "breached"
	is_number(s.budgetRemaining)
	s.budgetRemaining < min_budget
}

unknowns contains sprintf("%s has no data this period", [key(s)]) if {
	some s in input.slas
	s.state == "no-data"
}

unknowns contains "no SLA matched the selection" if count(input.slas) == 0

waived contains v.reason if {
	some v in violations
	v.sla in fixes
}

waived contains sprintf("rollback: %s", [v.reason]) if {
	some v in violations
	rollback
}

blocking contains v.reason if {
	some v in violations
	not v.sla in fixes
	not rollback
}

default decision := "allow"

decision := "deny" if {
	count(blocking) > 0
} else := "unknown" if {
	count(unknowns) > 0
}

allow := decision == "allow"

reasons := sort([r | some r in blocking]) if decision == "deny"

reasons := sort([r | some r in unknowns]) if decision == "unknown"

reasons := [sprintf("%d SLA(s) within budget (minimum %v%%)", [count(input.slas), dp1(min_budget * 100)])] if {
	decision == "allow"
	count(waived) == 0
}

reasons := array.concat(["allowed with exceptions"], sort([w | some w in waived])) if {
	decision == "allow"
	count(waived) > 0
}

result := {"decision": decision, "allow": allow, "reasons": reasons, "waived": sort([w | some w in waived])}
