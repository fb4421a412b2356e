# What to do about one SLA's status: page, ticket, or nothing, with reasons a human can read.
#
# input:
#   status:       one row of `obligo status --format json` (.slas[i]): contract, sla, vendor, objective,
#                 period, achieved, budgetRemaining, burnRates {"5m": …, "3d": …}, state
#   maintenance:  { "active": bool, "reason": string }   (a maintenance window covers "now")
#   now:          RFC 3339 evaluation time
# data:
#   data.obligo.catalog[contract].package   index written by `obligo compile` (policies/data.json)
#   data.obligo.contracts[package]          generated module of the contract (slas, escalation, …)
#
# result: { "action": "page" | "ticket" | "none", "severity", "reasons": [...], "escalation": [...],
#           "dedup_key": … }
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

# The burn-rate pairs of the SLA's alerting table whose long and short windows both exceed the factor.
burning contains pair if {
	some pair in sla.burn_rates
	is_number(status.burnRates[pair.long])
	is_number(status.burnRates[pair.short])
	status.burnRates[pair.long] > pair.factor
	status.burnRates[pair.short] > pair.factor
}

page_reasons contains msg if {
	sla.page
	some pair in burning
	pair.severity == "page"
	msg := sprintf("error budget burning %vx over %s and %vx over %s (threshold %vx)", [
		dp1(status.burnRates[pair.long]), pair.long, dp1(status.burnRates[pair.short]), pair.short, pair.factor,
	])
}

page_reasons contains msg if {
	sla.page
	status.state == "breached"
	msg := sprintf("SLA breached: %v%% achieved this period against an objective of %v%%", [dp3(status.achieved), status.objective])
}

ticket_reasons contains msg if {
	sla.ticket
	some pair in burning
	pair.severity == "ticket"
	msg := sprintf("error budget burning %vx over %s and %vx over %s (threshold %vx)", [
		dp1(status.burnRates[pair.long]), pair.long, dp1(status.burnRates[pair.short]), pair.short, pair.factor,
	])
}

ticket_reasons contains msg if {
	sla.ticket
	status.state == "at-risk"
	is_number(status.budgetRemaining)
	msg := sprintf("error budget low: %v%% of the period's budget left", [dp1(status.budgetRemaining * 100)])
}

ticket_reasons contains "no data: the SLI returned nothing for this period so far; check the exporter and the query" if {
	sla.ticket
	status.state == "no-data"
	not outside_term
}

# Before the contract's term starts (or after it ends) there is nothing to measure: no data is expected.
outside_term if "outside-term" in object.get(status, "flags", [])

default action := "none"

action := "none" if {
	in_maintenance
} else := "page" if {
	count(page_reasons) > 0
} else := "ticket" if {
	count(ticket_reasons) > 0
}

reasons := sort([r | some r in page_reasons]) if action == "page"

reasons := sort([r | some r in ticket_reasons]) if action == "ticket"

reasons := [sprintf("in maintenance: %s", [object.get(input.maintenance, "reason", "scheduled window")])] if in_maintenance

default reasons := []

# One incident per SLA and period: re-evaluations update it instead of opening new ones.
dedup_key := sprintf("obligo/%s/%s/%s", [status.contract, status.sla, status.period.start])

result := {
	"action": action,
	"severity": action,
	"reasons": reasons,
	"escalation": object.get(contract, "escalation", []),
	"vendor": contract.vendor,
	"dedup_key": dedup_key,
}
