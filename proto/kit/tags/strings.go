package tags

import (
	"sort"
	"strings"
)

// Strings renders tags for clouds whose tags are plain strings (Sakura
// Cloud, DigitalOcean): "key=value" each, vcc: keys dotted (as Dotted),
// sorted so the same tags read the same everywhere.
func Strings(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range Dotted(m) {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// FromStrings reads tags back from plain strings: "key=value" each, a
// string without "=" a key with an empty value, vcc. keys in the
// protocol's vcc: spelling (provider.TagNodeID), so a plugin reports the
// tags the host and the conformance suite look for.
func FromStrings(l []string) map[string]string {
	out := make(map[string]string, len(l))
	for _, s := range l {
		k, v, _ := strings.Cut(s, "=")
		if rest, ok := strings.CutPrefix(k, "vcc."); ok {
			k = "vcc:" + rest
		}
		out[k] = v
	}
	return out
}

// Pair is the plain-string tag of one key, vcc: keys dotted: what to
// search a plain-string cloud for (Pair(provider.TagNodeID, id)).
func Pair(key, value string) string {
	if rest, ok := strings.CutPrefix(key, "vcc:"); ok {
		key = "vcc." + rest
	}
	return key + "=" + value
}
