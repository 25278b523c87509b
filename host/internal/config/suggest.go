package config

// closest returns the candidate within a small edit distance of name (a
// typo: "smi" for "sim", "onpremisse" for "onpremises"), or "" when none
// is.
func closest(name string, candidates []string) string {
	best, bestD := "", 0
	limit := 2
	if len(name) <= 4 {
		limit = 1 + len(name)/4 // "smi"/"sim" is 2 edits; transpositions count 1 below
	}
	for _, c := range candidates {
		d := distance(name, c)
		if d == 0 {
			continue
		}
		if d <= limit && (best == "" || d < bestD) {
			best, bestD = c, d
		}
	}
	return best
}

// distance is the optimal string alignment distance: insertions,
// deletions, substitutions and transpositions of neighbours cost 1.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
