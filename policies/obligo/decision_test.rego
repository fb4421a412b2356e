package obligo.decision_test

import data.obligo.decision
import data.obligo.fixtures
import rego.v1

test_fast_burn_pages if {
	r := decision.result with input as {"status": fixtures.status("ok", 0.8, fixtures.burn(20, 15, 2, 0.5))}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	r.action == "page"
	count(r.reasons) == 1
	contains(r.reasons[0], "over 1h")
	r.escalation[0].name == "Acme NOC"
	r.dedup_key == "obligo/acme-cdn/availability/2026-03-01T05:00:00Z"
}

test_short_window_must_agree if {
	# 1h over the factor but the last 5 minutes are fine: the incident is over, no page.
	r := decision.result with input as {"status": fixtures.status("ok", 0.8, fixtures.burn(0.5, 15, 2, 0.5))}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	r.action == "none"
}

test_slow_burn_tickets if {
	r := decision.result with input as {"status": fixtures.status("ok", 0.6, fixtures.burn(1.5, 1.5, 1.5, 1.2))}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	r.action == "ticket"
}

test_breach_pages if {
	r := decision.result with input as {"status": fixtures.status("breached", -0.2, fixtures.burn(0, 0, 0, 0))}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	r.action == "page"
	startswith(r.reasons[0], "SLA breached")
}

test_maintenance_silences if {
	r := decision.result with input as {"status": fixtures.status("breached", -0.2, fixtures.burn(20, 20, 20, 20)), "maintenance": {"active": true, "reason": "CVE patching"}}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	r.action == "none"
	r.reasons == ["in maintenance: CVE patching"]
}

test_no_data_tickets if {
	r := decision.result with input as {"status": fixtures.status("no-data", null, fixtures.burn(null, null, null, null))}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	r.action == "ticket"
	startswith(r.reasons[0], "no data")
}

test_healthy_is_quiet if {
	r := decision.result with input as {"status": fixtures.status("ok", 0.9, fixtures.burn(0.2, 0.2, 0.2, 0.2))}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	r.action == "none"
	r.reasons == []
}

test_paging_switched_off_downgrades if {
	s := object.union(fixtures.status("ok", 0.8, fixtures.burn(20, 20, 2, 0.5)), {"contract": "our-api"})
	r := decision.result with input as {"status": s}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	r.action == "none"
}

test_no_data_before_the_term_is_quiet if {
	s := object.union(fixtures.status("no-data", null, fixtures.burn(null, null, null, null)), {"flags": ["outside-term"]})
	r := decision.result with input as {"status": s}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	r.action == "none"
}

test_alerts_name_each_condition if {
	r := decision.result with input as {"status": fixtures.status("ok", 0.8, fixtures.burn(20, 15, 2, 0.5))}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	active := {a.name | some a in r.alerts; a.active}
	active == {"burn-page"}
	names := {a.name | some a in r.alerts}
	names == {"burn-page", "breach", "burn-ticket", "budget-low", "no-data"}
	some a in r.alerts
	a.name == "burn-page"
	a.summary == "Acme CDN, Inc. availability: error budget burning 15x over 1h and 20x over 5m (threshold 14.4x)"
	r.suppressed == null
}

test_incomplete_data_is_no_breach if {
	s := object.union(fixtures.status("breached", -0.2, fixtures.burn(0, 0, 0, 0)), {"coverage": {"ratio": 0.5, "minimum": 0.99, "complete": false, "partialResponse": false}})
	r := decision.result with input as {"status": s}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	r.action == "none"
	every a in r.alerts { not a.active }
}

test_burn_needs_covered_windows if {
	cov := {"5m": 0.4, "30m": 1, "1h": 1, "2h": 1, "6h": 1, "1d": 1, "3d": 1}
	s := object.union(fixtures.status("ok", 0.8, fixtures.burn(20, 15, 2, 0.5)), {"windowCoverage": cov})
	r := decision.result with input as {"status": s}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	r.action == "none"
	half := decision.result with input as {"status": object.union(s, {"windowCoverage": object.union(cov, {"5m": 0.5})})}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	half.action == "page"
}

test_burn_with_unknown_window_coverage_counts if {
	cov := {"5m": null, "30m": null, "1h": 1, "2h": 1, "6h": 1, "1d": 1, "3d": 1}
	s := object.union(fixtures.status("ok", 0.8, fixtures.burn(20, 15, 2, 0.5)), {"windowCoverage": cov})
	r := decision.result with input as {"status": s}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	r.action == "page"
}

test_partial_response_does_not_page if {
	s := object.union(fixtures.status("ok", 0.8, fixtures.burn(20, 15, 2, 0.5)), {"coverage": {"ratio": 1, "minimum": 0.99, "complete": false, "partialResponse": true}})
	r := decision.result with input as {"status": s}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	r.action == "none"
}

test_maintenance_suppresses_but_keeps_conditions if {
	r := decision.result with input as {"status": fixtures.status("ok", 0.8, fixtures.burn(20, 15, 2, 0.5)), "maintenance": {"active": true, "reason": "CVE patching"}}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	r.action == "none"
	r.suppressed == {"reason": "maintenance: CVE patching"}
	some a in r.alerts
	a.name == "burn-page"
	a.active
}
