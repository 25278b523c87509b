package ociemu

import (
	"bytes"
	"crypto"
	"crypto/md5" //nolint:gosec // OCI's key fingerprint is MD5 of the public key, by definition
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Fingerprint is OCI's fingerprint of an API signing key: the MD5 of the
// public key's DER (PKIX) form, as colon-separated hex pairs.
func Fingerprint(pub *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	sum := md5.Sum(der) //nolint:gosec // see import
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02x", b)
	}
	return strings.Join(parts, ":"), nil
}

// AddUser registers an API signing key of a user of the tenancy, as
// uploading a public key in the console does; it returns the key's
// fingerprint.
func (s *Server) AddUser(userOCID string, pub *rsa.PublicKey) (string, error) {
	fp, err := Fingerprint(pub)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[s.opt.Tenancy+"/"+userOCID+"/"+fp] = pub
	return fp, nil
}

var (
	genericHeaders = []string{"date", "(request-target)", "host"}
	bodyHeaders    = []string{"content-length", "content-type", "x-content-sha256"}
)

// notAuthenticated is OCI's answer to a request it cannot authenticate.
// Like OCI it tells the caller nothing more; why goes to Options.Log.
func (s *Server) notAuthenticated(r *http.Request, why string) error {
	if s.opt.Log != nil {
		s.opt.Log("ociemu: %s %s not authenticated: %s", r.Method, r.URL.Path, why)
	}
	return apiError{http.StatusUnauthorized, "NotAuthenticated",
		"The required information to complete authentication was not provided or was incorrect."}
}

// authenticate checks a request's signature as OCI does and returns its
// body: the signature must cover date, (request-target) and host, and for
// a request with a body also content-length, content-type and
// x-content-sha256, which must be the body's SHA-256.
func (s *Server) authenticate(r *http.Request) ([]byte, error) {
	params, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return nil, s.notAuthenticated(r, err.Error())
	}
	s.mu.Lock()
	pub := s.users[params["keyId"]]
	s.mu.Unlock()
	if pub == nil {
		return nil, s.notAuthenticated(r, "unknown keyId "+params["keyId"])
	}
	if params["algorithm"] != "rsa-sha256" {
		return nil, s.notAuthenticated(r, "algorithm must be rsa-sha256")
	}
	signed := strings.Fields(strings.ToLower(params["headers"]))
	required := genericHeaders
	hasBody := r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch
	if hasBody {
		required = append(slices.Clone(genericHeaders), bodyHeaders...)
	}
	for _, h := range required {
		if !slices.Contains(signed, h) {
			return nil, s.notAuthenticated(r, "header "+h+" is not signed")
		}
	}
	date, err := http.ParseTime(r.Header.Get("Date"))
	if err != nil {
		date, err = http.ParseTime(r.Header.Get("X-Date"))
	}
	if err != nil || time.Since(date).Abs() > s.opt.ClockSkew {
		return nil, s.notAuthenticated(r, "date missing or too far from now")
	}
	sig, err := base64.StdEncoding.DecodeString(params["signature"])
	if err != nil {
		return nil, s.notAuthenticated(r, "signature is not base64")
	}
	digest := sha256.Sum256([]byte(signingString(r, signed)))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
		return nil, s.notAuthenticated(r, "signature does not verify")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, apiError{http.StatusBadRequest, "InvalidParameter", "could not read the body: " + err.Error()}
	}
	if hasBody {
		sum := sha256.Sum256(body)
		if r.Header.Get("X-Content-Sha256") != base64.StdEncoding.EncodeToString(sum[:]) {
			return nil, s.notAuthenticated(r, "x-content-sha256 is not the body's hash")
		}
		if n, err := strconv.Atoi(r.Header.Get("Content-Length")); err != nil || n != len(body) {
			return nil, s.notAuthenticated(r, "content-length is not the body's length")
		}
	}
	return bytes.TrimSpace(body), nil
}

// signingString rebuilds what the client signed, from the headers it
// names, in its order.
func signingString(r *http.Request, headers []string) string {
	lines := make([]string, len(headers))
	for i, h := range headers {
		var v string
		switch h {
		case "(request-target)":
			v = strings.ToLower(r.Method) + " " + r.RequestURI
		case "host":
			v = r.Host
		case "content-length":
			v = r.Header.Get("Content-Length")
			if v == "" && r.ContentLength >= 0 {
				v = strconv.FormatInt(r.ContentLength, 10)
			}
		default:
			v = r.Header.Get(h)
		}
		lines[i] = h + ": " + v
	}
	return strings.Join(lines, "\n")
}

// parseAuthorization reads `Signature k="v",k="v",...`.
func parseAuthorization(h string) (map[string]string, error) {
	rest, ok := strings.CutPrefix(h, "Signature ")
	if !ok {
		return nil, fmt.Errorf("no Signature authorization")
	}
	params := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("malformed authorization parameter %q", part)
		}
		params[k] = strings.Trim(v, `"`)
	}
	for _, k := range []string{"keyId", "signature", "headers", "algorithm"} {
		if params[k] == "" {
			return nil, fmt.Errorf("authorization lacks %s", k)
		}
	}
	return params, nil
}
