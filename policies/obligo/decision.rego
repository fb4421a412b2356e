# What to do about one SLA's status: page, ticket, or nothing, with reasons a human can read, and the
# alert conditions behind it (each gets its own pending → firing → resolved state machine in serve).
#
# input:
#   status:       one row of `obligo status --format json` (.slas[i]): contract, sla, vendor, objective,
#                 period, achieved, budgetRemaining, burnRates {"5m": …, "3d": …}, windowCoverage {…},
#                 coverage {ratio, minimum, complete, partialResponse}, state, flags
#   maintenance:  { "active": bool, "reason": string }   (a maintenance window covers "now")
#   now:          RFC 3339 evaluation time
# data:
#   data.obligo.catalog[contract].package   index written by `obligo compile` (policies/data.json)
#   data.obligo.contracts[package]          generated module of the contract (slas, escalation, …)
#
# result: { "action": "page" | "ticket" | "none", "severity", "reasons": [...], "alerts": [...],
#           "suppressed": {"reason"} | null, "escalation": [...], "vendor", "dedup_key" }
#
# Incomplete data is never a vendor breach: a breach pages only on complete data (period coverage ≥ the
# SLA's minCoverage), and a burn-rate pair counts only when both its windows are mostly measured (window
# coverage ≥ min_window_coverage, default one half: a burn rate is a ratio over what the window holds, as
# Prometheus' own burn-rate alerts compute it, but a window that is mostly gaps proves nothing) and no
# answer was partial. Missing data is Obligo's own problem (serve raises one engine-health alert for it).
package obligo.decision

import rego.v1

# Rounded for messages. (sprintf's %f is avoided: OPA prints %!f(int=10) for an integral number.)
dp1(x) := round(x * 10) / 10

dp3(x) := round(x * 1000) / 1000

status := input.status

contract := data.obligo.contracts[data.obligo.catalog[status.contract].package]

sla := contract.slas[status.sla]

default in_maintenance := false

in_maintenance if input.maintenance.active == true

coverage := object.get(status, "coverage", {})

default complete := true

complete := false if coverage.complete == false

default partial := false

partial if coverage.partialResponse == true

# The share of a burn-rate window that must have been measured for its burn rate to page. Settable in data.
default min_window_coverage := 0.5

min_window_coverage := data.obligo.settings.min_window_coverage

# A window whose coverage is unknown (null: the measured slices do not reach it) is not held against it.
window_covered(w) if not is_number(object.get(object.get(status, "windowCoverage", {}), w, null))

window_covered(w) if status.windowCoverage[w] >= min_window_coverage

# The burn-rate pairs of the SLA's alerting table whose long and short windows both exceed the factor.
burning contains pair if {
	not partial
	some pair in sla.burn_rates
	is_number(status.burnRates[pair.long])
	is_number(status.burnRates[pair.short])
	status.burnRates[pair.long] > pair.factor
	status.burnRates[pair.short] > pair.factor
	window_covered(pair.long)
	window_covered(pair.short)
}

burn_message(pair) := sprintf("error budget burning %vx over %s and %vx over %s (threshold %vx)", [
	dp1(status.burnRates[pair.long]), pair.long, dp1(status.burnRates[pair.short]), pair.short, pair.factor,
])

page_burn contains burn_message(pair) if {
	some pair in burning
	pair.severity == "page"
}

ticket_burn contains burn_message(pair) if {
	some pair in burning
	pair.severity == "ticket"
}

breach contains msg if {
	complete
	status.state == "breached"
	msg := sprintf("SLA breached: %v%% achieved this period against an objective of %v%%", [dp3(status.achieved), status.objective])
}

budget_low contains msg if {
	complete
	status.state == "at-risk"
	is_number(status.budgetRemaining)
	msg := sprintf("error budget low: %v%% of the period's budget left", [dp1(status.budgetRemaining * 100)])
}

no_data contains "no data: the SLI returned nothing for this period so far; check the exporter and the query" if {
	complete
	status.state == "no-data"
	not outside_term
}

# Before the contract's term starts (or after it ends) there is nothing to measure: no data is expected.
outside_term if "outside-term" in object.get(status, "flags", [])

# Every alert condition of the SLA (switched off ones left out), active or not.
alert_table := [
	{"name": "burn-page", "severity": "page", "class": "error-budget-burn", "on": sla.page, "reasons": page_burn},
	{"name": "breach", "severity": "page", "class": "sla-breach", "on": sla.page, "reasons": breach},
	{"name": "burn-ticket", "severity": "ticket", "class": "error-budget-burn", "on": sla.ticket, "reasons": ticket_burn},
	{"name": "budget-low", "severity": "ticket", "class": "error-budget-low", "on": sla.ticket, "reasons": budget_low},
	{"name": "no-data", "severity": "ticket", "class": "no-data", "on": sla.ticket, "reasons": no_data},
]

sla_title := object.get(sla, "title", status.sla)

alerts := [alert |
	some a in alert_table
	a.on == true
	alert := {
		"name": a.name,
		"severity": a.severity,
		"class": a.class,
		"active": count(a.reasons) > 0,
		"reasons": sort([r | some r in a.reasons]),
		"summary": sprintf("%s %s: %s", [contract.vendor, sla_title, concat("; ", sort([r | some r in a.reasons]))]),
	}
]

active_reasons(severity) := sort([r |
	some a in alert_table
	a.on == true
	a.severity == severity
	some r in a.reasons
])

default action := "none"

action := "none" if {
	in_maintenance
} else := "page" if {
	count(active_reasons("page")) > 0
} else := "ticket" if {
	count(active_reasons("ticket")) > 0
}

reasons := active_reasons("page") if action == "page"

reasons := active_reasons("ticket") if action == "ticket"

reasons := [sprintf("in maintenance: %s", [object.get(input.maintenance, "reason", "scheduled window")])] if in_maintenance

default reasons := []

default suppressed := null

suppressed := {"reason": sprintf("maintenance: %s", [object.get(input.maintenance, "reason", "scheduled window")])} if in_maintenance

# One incident per SLA and period: re-evaluations update it instead of opening new ones.
dedup_key := sprintf("obligo/%s/%s/%s", [status.contract, status.sla, status.period.start])

result := {
	"action": action,
	"severity": action,
	"reasons": reasons,
	"alerts": alerts,
	"suppressed": suppressed,
	"escalation": object.get(contract, "escalation", []),
	"vendor": contract.vendor,
	"dedup_key": dedup_key,
}
