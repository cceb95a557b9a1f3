"""Credits: the ledger, signup credits, Stripe checkout and the operator's grant command."""
