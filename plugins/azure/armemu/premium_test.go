package armemu

import "testing"

func TestPremiumIO(t *testing.T) {
	for size, want := range map[string]bool{
		"Standard_B1s": true, "Standard_D2s_v3": true, "Standard_DS1_v2": true, "Standard_F2s_v2": true, "Standard_D4ds_v5": true,
		"Standard_D3_v2": false, "Standard_D4_v2": false, "Standard_NV6": false, "Standard_A2_v2": false,
	} {
		if got := premiumIO(size); got != want {
			t.Errorf("%s: %v, want %v", size, got, want)
		}
	}
}
