// Package sdk will be the typed Go client of the vcc REST API
// (/vcp/v1/occtr/...). It is empty until the controller core lands the
// API; it exists now so the module layout is fixed from the start.
package sdk
