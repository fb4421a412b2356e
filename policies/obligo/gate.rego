# May this change be deployed? Decided from the error budget of the SLAs it touches.
#
# input:
#   slas:        rows of `obligo status --format json` (.slas) selected by --sla / --label
#   min_budget:  fraction of the period's error budget that must remain (default 0)
#   change:      { "rollback": bool, "labels": ["fix:acme-cdn/availability", …], "fixes": ["acme-cdn/availability"] }
#
# result: { "decision": "allow" | "deny" | "unknown", "allow": bool, "reasons": [...], "waived": [...],
#           "blocking": [...], "unknowns": [...] }   (blocking: what denies; unknowns: why it cannot decide)
#   unknown: no SLA selected, an SLA without data, or an SLA whose data is incomplete (coverage below
#   its minimum, or a partial response): the caller exits 2. Incomplete data is never read as good or
#   bad: such an SLA neither denies nor passes.
package obligo.gate

import rego.v1

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

# Rounded for messages. (sprintf's %f is avoided: OPA prints %!f(int=10) for an integral number.)
dp4(x) := round(x * 10000) / 10000

# A fraction as a percent with at most two decimals: 0.5 → 50, 0.12345 → 12.35.
pct(f) := round(f * 10000) / 100

# An SLA whose period so far was not measured well enough to be judged.
incomplete(s) if s.coverage.complete == false

# The SLAs the gate judges: measured completely.
judged contains s if {
	some s in input.slas
	not incomplete(s)
}

violations contains {"sla": key(s), "reason": sprintf("%s: SLA breached (achieved %v%% < objective %v%%)", [key(s), dp4(s.achieved), s.objective])} if {
	some s in judged
	s.state == "breached"
}

violations contains {"sla": key(s), "reason": sprintf("%s: error budget remaining %v%% is below the minimum %v%%", [key(s), pct(s.budgetRemaining), pct(min_budget)])} if {
	some s in judged
	not s.state in {"breached", "no-data", "outside-term"}
	is_number(s.budgetRemaining)
	s.budgetRemaining < min_budget
}

unknowns contains sprintf("%s: no data for the current period", [key(s)]) if {
	some s in judged
	s.state == "no-data"
}

unknowns contains sprintf("%s: not in force (outside the contract term)", [key(s)]) if {
	some s in judged
	s.state == "outside-term"
}

unknowns contains sprintf("%s: cannot decide on incomplete data (partial response from Prometheus)", [key(s)]) if {
	some s in input.slas
	incomplete(s)
	s.coverage.partialResponse == true
}

unknowns contains sprintf("%s: cannot decide on incomplete data (coverage %v%% of the period so far, minimum %v%%)", [key(s), pct(s.coverage.ratio), pct(s.coverage.minimum)]) if {
	some s in input.slas
	incomplete(s)
	not s.coverage.partialResponse == true
	is_number(s.coverage.ratio)
}

unknowns contains "no SLA matched the selection" if count(input.slas) == 0

passes contains sprintf("%s: error budget remaining %v%% (minimum %v%%)", [key(s), pct(s.budgetRemaining), pct(min_budget)]) if {
	some s in judged
	not s.state in {"breached", "no-data", "outside-term"}
	is_number(s.budgetRemaining)
	s.budgetRemaining >= min_budget
}

waived contains sprintf("waived (fix:%s): %s", [v.sla, v.reason]) if {
	some v in violations
	v.sla in fixes
	not rollback
}

waived contains sprintf("waived (rollback): %s", [v.reason]) if {
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

sorted(xs) := sort([x | some x in xs])

# Most important first: what blocks, then what is unknown, then what passed.
reasons := array.concat(array.concat(sorted(blocking), sorted(unknowns)), sorted(passes)) if decision == "deny"

reasons := array.concat(sorted(unknowns), sorted(passes)) if decision == "unknown"

reasons := array.concat(sorted(waived), sorted(passes)) if decision == "allow"

result := {"decision": decision, "allow": allow, "reasons": reasons, "waived": sorted(waived), "blocking": sorted(blocking), "unknowns": sorted(unknowns)}
