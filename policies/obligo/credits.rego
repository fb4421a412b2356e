# Is a computed service credit claimable (or, where we are the provider, payable)?
#
# input:
#   credit:  one row of `obligo credits --format json` (.credits[i]): contract, sla, amount (decimal
#            string), creditPercent, claimDeadline (YYYY-MM-DD), flags [...], ...
#   now:     RFC 3339 evaluation time
#   exclusions: optional [{ "reason": "force majeure", … }] recorded against this credit
#
# result: { "action": "claim" | "pay" | "none", "claimable": bool, "reasons": [...], "deadline": … }
package obligo.credits

import rego.v1

credit := input.credit

contract := data.obligo.contracts[data.obligo.catalog[credit.contract].package]

# Vendors' SLAs often issue no credit below a minimum (AWS: USD 1). Settable in data.
default min_amount := 0

min_amount := data.obligo.settings.min_claim_amount

deadline_ns := time.parse_rfc3339_ns(sprintf("%sT23:59:59Z", [credit.claimDeadline])) if credit.claimDeadline

blockers contains "no credit is due" if to_number(credit.amount) == 0

blockers contains sprintf("below the minimum claim amount of %v %s", [min_amount, credit.currency]) if {
	to_number(credit.amount) > 0
	to_number(credit.amount) < min_amount
}

blockers contains "the period has not ended: the figure is provisional" if "provisional" in credit.flags

blockers contains "no data for the period: review by hand before claiming" if "no-data" in credit.flags

blockers contains sprintf("the claim window closed on %s", [credit.claimDeadline]) if {
	time.parse_rfc3339_ns(input.now) > deadline_ns
}

blockers contains sprintf("excluded: %s", [e.reason]) if {
	some e in object.get(input, "exclusions", [])
}

claimable := count(blockers) == 0

default action := "none"

action := "claim" if {
	claimable
	contract.role == "customer"
}

action := "pay" if {
	claimable
	contract.role == "provider"
}

reasons := sort([b | some b in blockers]) if not claimable

reasons := [sprintf("claim %s %s from %s by %s", [credit.amount, credit.currency, contract.vendor, credit.claimDeadline])] if action == "claim"

reasons := [sprintf("credit of %s %s owed to %s by %s", [credit.amount, credit.currency, contract.customer, credit.claimDeadline])] if action == "pay"

result := {"action": action, "claimable": claimable, "reasons": reasons, "deadline": object.get(credit, "claimDeadline", null)}
