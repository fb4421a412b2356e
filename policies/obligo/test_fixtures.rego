# Shared fixtures for the policy tests: a catalog and a generated-module-shaped contract.
package obligo.fixtures

import rego.v1

catalog := {"acme-cdn": {"package": "acme_cdn", "role": "customer", "slas": ["availability"]}, "our-api": {"package": "our_api", "role": "provider", "slas": ["availability"]}}

contracts := {
	"acme_cdn": {
		"id": "acme-cdn",
		"vendor": "Acme CDN, Inc.",
		"customer": "Example Corp",
		"role": "customer",
		"escalation": [{"level": 1, "name": "Acme NOC", "phone": "+1 555 0100", "respond_within_minutes": 15}],
		"slas": {"availability": {
			"objective": 99.95, "page": true, "ticket": true,
			"burn_rates": [
				{"severity": "page", "long": "1h", "short": "5m", "factor": 14.4},
				{"severity": "page", "long": "6h", "short": "30m", "factor": 6},
				{"severity": "ticket", "long": "3d", "short": "6h", "factor": 1},
			],
		}},
	},
	"our_api": {
		"id": "our-api",
		"vendor": "Example Corp",
		"customer": "Globex",
		"role": "provider",
		"escalation": [],
		"slas": {"availability": {"objective": 99.9, "page": false, "ticket": true, "burn_rates": [{"severity": "page", "long": "1h", "short": "5m", "factor": 14.4}]}},
	},
}

burn(r5m, r1h, r6h, r3d) := {"5m": r5m, "30m": r5m, "1h": r1h, "2h": r1h, "6h": r6h, "1d": r6h, "3d": r3d}

status(state, budget, rates) := {
	"contract": "acme-cdn", "sla": "availability", "vendor": "Acme CDN, Inc.", "objective": 99.95,
	"period": {"start": "2026-03-01T05:00:00Z", "end": "2026-04-01T04:00:00Z"},
	"achieved": 99.9, "budgetRemaining": budget, "burnRates": rates, "state": state,
}
