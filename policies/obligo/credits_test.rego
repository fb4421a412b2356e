package obligo.credits_test

import data.obligo.credits
import data.obligo.fixtures
import rego.v1

row := {"contract": "acme-cdn", "sla": "availability", "amount": "1200.00", "currency": "USD", "creditPercent": 10, "claimDeadline": "2026-05-01", "flags": []}

test_claimable_customer_credit if {
	r := credits.result with input as {"credit": row, "now": "2026-04-02T00:00:00Z"}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	r.action == "claim"
	r.claimable
	r.reasons == ["claim 1200.00 USD from Acme CDN, Inc. by 2026-05-01"]
}

test_provider_credit_is_payable if {
	r := credits.result with input as {"credit": object.union(row, {"contract": "our-api"}), "now": "2026-04-02T00:00:00Z"}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	r.action == "pay"
}

test_window_closed if {
	r := credits.result with input as {"credit": row, "now": "2026-05-02T00:00:00Z"}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	not r.claimable
	r.reasons == ["the claim window closed on 2026-05-01"]
}

test_last_day_still_open if {
	r := credits.result with input as {"credit": row, "now": "2026-05-01T23:00:00Z"}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	r.claimable
}

test_provisional_not_claimable if {
	r := credits.result with input as {"credit": object.union(row, {"flags": ["provisional"]}), "now": "2026-04-02T00:00:00Z"}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	not r.claimable
}

test_zero_not_claimable if {
	r := credits.result with input as {"credit": object.union(row, {"amount": "0.00"}), "now": "2026-04-02T00:00:00Z"}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	r.action == "not-owed"
	r.reasons == ["no credit is due"]
}

test_minimum_amount if {
	r := credits.result with input as {"credit": object.union(row, {"amount": "0.50"}), "now": "2026-04-02T00:00:00Z"}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
		with data.obligo.settings.min_claim_amount as 1
	not r.claimable
}

test_exclusion if {
	r := credits.result with input as {"credit": row, "now": "2026-04-02T00:00:00Z", "exclusions": [{"reason": "force majeure"}]}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	r.reasons == ["excluded: force majeure"]
}

test_window_closed_is_expired if {
	r := credits.result with input as {"credit": row, "now": "2026-05-02T00:00:00Z"}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	r.action == "expired"
}

test_deadline_closes_at_local_midnight if {
	# claimDeadline 2026-05-01 in New York closes at 2026-05-02T04:00:00Z, not at the end of the day in UTC
	ny := object.union(row, {"claimDeadlineEndsAt": "2026-05-02T04:00:00Z"})
	open := credits.result with input as {"credit": ny, "now": "2026-05-02T03:59:59Z"}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	open.action == "claim"
	closed := credits.result with input as {"credit": ny, "now": "2026-05-02T04:00:00Z"}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	closed.action == "expired"
}

test_incomplete_data_is_never_claimed if {
	r := credits.result with input as {"credit": object.union(row, {"flags": ["gaps", "incomplete-data"]}), "now": "2026-04-02T00:00:00Z"}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	r.action == "review"
	not r.claimable
	r.reasons == ["incomplete data: coverage below the SLA's minimum; the amount cannot be trusted until the data is whole"]
}

test_partial_response_is_never_paid if {
	r := credits.result with input as {"credit": object.union(row, {"contract": "our-api", "flags": ["incomplete-data", "partial-response"]}), "now": "2026-04-02T00:00:00Z"}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	r.action == "review"
	not r.claimable
}

test_incomplete_zero_is_review_not_not_owed if {
	r := credits.result with input as {"credit": object.union(row, {"amount": "0.00", "flags": ["incomplete-data"]}), "now": "2026-04-02T00:00:00Z"}
		with data.obligo.catalog as fixtures.catalog
		with data.obligo.contracts as fixtures.contracts
	r.action == "review"
}
