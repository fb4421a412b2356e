# What to do about one computed service credit: claim it (we are the customer), pay it (we are the
# provider), or why not. Finance files rows by `action`; nobody re-derives it elsewhere.
#
# input:
#   credit:  one row of `obligo credits --format json` (.credits[i]): contract, sla, amount (decimal
#            string), currency, creditPercent, claimDeadline (YYYY-MM-DD), claimDeadlineEndsAt (RFC 3339,
#            the instant the claim window closes in the contract's zone), flags [...], coverage {…}
#   now:     RFC 3339 evaluation time
#   exclusions: optional [{ "reason": "force majeure", … }] recorded against this credit
#
# result: { "action": "claim" | "pay" | "provisional" | "review" | "not-owed" | "expired",
#           "claimable": bool, "reasons": [...], "deadline": … }
#   provisional  the period has not ended: the figure may still change
#   review       the figure cannot be trusted as it is: incomplete data (coverage below the SLA's
#                minimum, a partial response from Prometheus) or no data at all; never paid or claimed
#   not-owed     nothing is due (0, below the minimum claim amount, or excluded)
#   expired      a credit was due but the claim window has closed
package obligo.credits

import rego.v1

credit := input.credit

contract := data.obligo.contracts[data.obligo.catalog[credit.contract].package]

# Vendors' SLAs often issue no credit below a minimum (AWS: USD 1). Settable in data.
default min_amount := 0

min_amount := data.obligo.settings.min_claim_amount

flags := object.get(credit, "flags", [])

amount := to_number(credit.amount)

# The claim window closes at the local midnight after claimDeadline, in the contract's zone; rows
# written before claimDeadlineEndsAt existed fall back to the end of that day in UTC.
deadline_ns := time.parse_rfc3339_ns(credit.claimDeadlineEndsAt) if credit.claimDeadlineEndsAt

else := time.parse_rfc3339_ns(sprintf("%sT23:59:59Z", [credit.claimDeadline])) if credit.claimDeadline

provisional contains "the period has not ended: the figure is provisional" if "provisional" in flags

review contains "incomplete data: coverage below the SLA's minimum; the amount cannot be trusted until the data is whole" if {
	"incomplete-data" in flags
	not "partial-response" in flags
}

review contains "incomplete data: Prometheus gave a partial response; run again when the data is whole" if "partial-response" in flags

review contains "no data for the period: review by hand before claiming" if "no-data" in flags

not_owed contains "no credit is due" if amount == 0

not_owed contains sprintf("below the minimum claim amount of %v %s", [min_amount, credit.currency]) if {
	amount > 0
	amount < min_amount
}

not_owed contains sprintf("excluded: %s", [e.reason]) if {
	some e in object.get(input, "exclusions", [])
}

expired contains sprintf("the claim window closed on %s", [credit.claimDeadline]) if {
	time.parse_rfc3339_ns(input.now) >= deadline_ns
}

default action := "none"

action := "provisional" if {
	count(provisional) > 0
} else := "review" if {
	count(review) > 0
} else := "not-owed" if {
	count(not_owed) > 0
} else := "expired" if {
	count(expired) > 0
} else := "claim" if {
	contract.role == "customer"
} else := "pay" if {
	contract.role == "provider"
}

claimable := action in {"claim", "pay"}

reasons := sort([r | some r in provisional]) if action == "provisional"

reasons := sort([r | some r in review]) if action == "review"

reasons := sort([r | some r in not_owed]) if action == "not-owed"

reasons := sort([r | some r in expired]) if action == "expired"

reasons := [sprintf("claim %s %s from %s by %s", [credit.amount, credit.currency, contract.vendor, credit.claimDeadline])] if action == "claim"

reasons := [sprintf("credit of %s %s owed to %s by %s", [credit.amount, credit.currency, contract.customer, credit.claimDeadline])] if action == "pay"

default reasons := []

result := {"action": action, "claimable": claimable, "reasons": reasons, "deadline": object.get(credit, "claimDeadline", null)}
