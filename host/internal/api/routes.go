package api

import (
	"net/http"

	"github.com/julienschmidt/httprouter"
)

// access is what a route asks of the caller, checked before its handler
// runs. Each route declares it here, once; the OpenAPI document repeats
// it as x-vcc-access, and the tests hold the two together and try every
// route with every kind of caller.
type access string

const (
	public    access = "public"     // no token
	anyToken  access = "read"       // any token, readonly too
	fullToken access = "full"       // a full-access token: changes, and secret values
	superRead access = "super"      // a super user's token, readonly too
	superFull access = "super-full" // a super user's full-access token
)

// needsFull: readonly tokens may only read, and not every read.
func (a access) needsFull(method string) bool {
	return a == fullToken || a == superFull || method != http.MethodGet
}

func (a access) needsSuper() bool { return a == superRead || a == superFull }

// scope is whose data a route shows or changes; the controller enforces
// it. Declared for the document (x-vcc-scope) and the tests.
type scope string

const (
	global  scope = "global" // the same for every caller
	mine    scope = "caller" // the VCs the caller may see; lists leave the rest out
	self    scope = "user"   // the caller's own per-user data (credentials), privileged or not
	vcScope scope = "vc"     // the VC (or operation) in the path: 404 to who may not see it
)

// route is one method on one path.
type route struct {
	method, path string
	access       access
	scope        scope
	// query lists the query parameters it takes; privileged is taken
	// everywhere. Any other is a 400.
	query  []string
	handle httprouter.Handle
}

// routes is every route the server has: New registers these and nothing
// else. The Vault API subset (vault.go) comes last, outside the document.
func (s *Server) routes() []route {
	p := Prefix
	return append([]route{
		{"GET", "/vcp/v1/openapi.yaml", public, global, nil, s.openapi},
		{"GET", p + "/health", public, global, nil, s.health},
		{"GET", p + "/ca.pem", public, global, nil, s.caPEM},
		{"GET", p + "/version", anyToken, global, nil, s.getVersion},
		{"GET", p + "/accounts/authority", anyToken, global, nil, s.authority},
		{"GET", p + "/vpn_catalog", anyToken, global, nil, s.vpnCatalog},
		{"GET", p + "/publickey", anyToken, global, nil, s.publicKey},
		{"GET", p + "/onpremises/bootstrap", anyToken, global, []string{"user", "ssh_port"}, s.onpremBootstrap},
		{"GET", p + "/flavors", anyToken, global, []string{"provider"}, s.flavors},
		{"GET", p + "/providers/:provider", anyToken, global, nil, s.providerInfo},
		{"GET", p + "/plugins", anyToken, global, nil, s.listPlugins},
		{"GET", p + "/audit", superRead, global, []string{"limit"}, s.auditTail},
		{"GET", p + "/ip_pools", anyToken, mine, nil, s.ipPools},
		{"GET", p + "/events", anyToken, mine, []string{"vcid", "operation_id"}, s.events},
		{"GET", p + "/reconcile", anyToken, mine, nil, s.lastReconcile},
		{"POST", p + "/reconcile", superFull, mine, nil, s.reconcile},

		{"GET", p + "/credentials", anyToken, self, nil, s.listCredentials},
		{"GET", p + "/credentials/:provider/:key", fullToken, self, nil, s.getCredential},
		{"PUT", p + "/credentials/:provider/:key", fullToken, self, nil, s.putCredential},
		{"DELETE", p + "/credentials/:provider/:key", fullToken, self, nil, s.deleteCredential},

		{"GET", p + "/operations/:id", anyToken, vcScope, []string{"wait"}, s.getOperation},
		{"GET", p + "/vcs", anyToken, mine, []string{"name", "state", "type"}, s.listVCs},
		{"POST", p + "/vcs", fullToken, mine, nil, s.createVC},
		{"GET", p + "/vcs/:vcid", anyToken, vcScope, nil, s.getVC},
		{"POST", p + "/vcs/:vcid", fullToken, vcScope, nil, s.createUnit},
		// Beside POST /vcs/:vcid; no vcid is "fail" (ids are 32 hex).
		{"POST", p + "/vcs/fail", superFull, global, nil, s.vcsFail},
		{"PUT", p + "/vcs/:vcid", fullToken, vcScope, nil, s.updateVC},
		{"PATCH", p + "/vcs/:vcid", superFull, vcScope, nil, s.changeOwner},
		{"DELETE", p + "/vcs/:vcid", fullToken, vcScope, []string{"force", "forget"}, s.deleteVC},
		{"GET", p + "/vcs/:vcid/:unit", anyToken, vcScope, nil, s.getUnit},
		{"PUT", p + "/vcs/:vcid/:unit", fullToken, vcScope, nil, s.addNodes},
		{"DELETE", p + "/vcs/:vcid/:unit", fullToken, vcScope, []string{"force", "forget"}, s.deleteUnit},
		// The third segment is an action on PATCH and a node id otherwise.
		{"PATCH", p + "/vcs/:vcid/:unit/:sub", fullToken, vcScope, []string{"force", "forget"}, s.unitAction},
		{"GET", p + "/vcs/:vcid/:unit/:sub", anyToken, vcScope, nil, s.getNode},
		{"GET", p + "/vcs/:vcid/:unit/:sub/backup", anyToken, vcScope, nil, s.nodeBackup},
		{"DELETE", p + "/vcs/:vcid/:unit/:sub", fullToken, vcScope, []string{"force", "forget"}, s.deleteNode},
		{"PATCH", p + "/vcs/:vcid/:unit/:sub/:action", fullToken, vcScope, nil, s.nodeAction},
	}, s.vaultRoutes()...)
}
