package obligo.gate_test

import data.obligo.gate
import rego.v1

ok := {"contract": "acme-cdn", "sla": "availability", "objective": 99.95, "achieved": 99.99, "budgetRemaining": 0.8, "state": "ok"}

low := object.union(ok, {"budgetRemaining": 0.05, "state": "at-risk"})

breached := object.union(ok, {"achieved": 99.9, "budgetRemaining": -1, "state": "breached"})

nodata := object.union(ok, {"achieved": null, "budgetRemaining": null, "state": "no-data"})

test_allow_within_budget if {
	r := gate.result with input as {"slas": [ok]}
	r.decision == "allow"
	r.allow
}

test_deny_breached if {
	r := gate.result with input as {"slas": [ok, breached]}
	r.decision == "deny"
	not r.allow
	r.reasons == ["acme-cdn/availability: SLA breached (achieved 99.9% < objective 99.95%)", "acme-cdn/availability: error budget remaining 80% (minimum 0%)"]
}

test_deny_below_min_budget if {
	r := gate.result with input as {"slas": [low], "min_budget": 0.1}
	r.decision == "deny"
	r.reasons[0] == "acme-cdn/availability: error budget remaining 5% is below the minimum 10%"
}

test_allow_above_min_budget if {
	r := gate.result with input as {"slas": [low], "min_budget": 0.01}
	r.decision == "allow"
}

test_rollback_allowed if {
	r := gate.result with input as {"slas": [breached], "change": {"rollback": true}}
	r.decision == "allow"
	count(r.waived) == 1
}

test_fix_label_waives_only_its_sla if {
	r := gate.result with input as {"slas": [breached], "change": {"labels": ["fix:acme-cdn/availability"]}}
	r.decision == "allow"
	other := object.union(breached, {"sla": "latency"})
	r2 := gate.result with input as {"slas": [breached, other], "change": {"labels": ["fix:acme-cdn/availability"]}}
	r2.decision == "deny"
}

test_no_data_is_unknown if {
	r := gate.result with input as {"slas": [ok, nodata]}
	r.decision == "unknown"
	not r.allow
}

test_nothing_selected_is_unknown if {
	r := gate.result with input as {"slas": []}
	r.decision == "unknown"
}

test_deny_wins_over_unknown if {
	r := gate.result with input as {"slas": [breached, nodata]}
	r.decision == "deny"
}

half := object.union(breached, {"coverage": {"ratio": 0.5, "minimum": 0.99, "complete": false, "partialResponse": false}})

partial := object.union(ok, {"coverage": {"ratio": 1, "minimum": 0.99, "complete": false, "partialResponse": true}})

test_incomplete_data_cannot_decide if {
	r := gate.result with input as {"slas": [half]}
	r.decision == "unknown"
	r.reasons == ["acme-cdn/availability: cannot decide on incomplete data (coverage 50% of the period so far, minimum 99%)"]
}

test_incomplete_healthy_looking_data_cannot_decide_either if {
	r := gate.result with input as {"slas": [object.union(ok, {"coverage": half.coverage})]}
	r.decision == "unknown"
}

test_partial_response_cannot_decide if {
	r := gate.result with input as {"slas": [partial]}
	r.decision == "unknown"
	r.reasons == ["acme-cdn/availability: cannot decide on incomplete data (partial response from Prometheus)"]
}

test_a_complete_breach_still_denies_beside_incomplete_data if {
	other := object.union(breached, {"sla": "latency"})
	r := gate.result with input as {"slas": [half, other]}
	r.decision == "deny"
}

test_complete_coverage_is_judged if {
	r := gate.result with input as {"slas": [object.union(breached, {"coverage": {"ratio": 1, "minimum": 0.99, "complete": true, "partialResponse": false}})]}
	r.decision == "deny"
}

test_outside_term_is_not_in_force if {
	r := gate.result with input as {"slas": [object.union(nodata, {"state": "outside-term"})]}
	r.decision == "unknown"
	r.unknowns == ["acme-cdn/availability: not in force (outside the contract term)"]
	r.blocking == []
}

test_blocking_and_unknowns_are_listed_apart if {
	other := object.union(nodata, {"sla": "latency"})
	r := gate.result with input as {"slas": [breached, other]}
	r.decision == "deny"
	r.blocking == ["acme-cdn/availability: SLA breached (achieved 99.9% < objective 99.95%)"]
	r.unknowns == ["acme-cdn/latency: no data for the current period"]
}
