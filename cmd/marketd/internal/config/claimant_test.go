package config

import "testing"

// Processes of one machine are told apart in shared runs by the addresses
// their sources are bound to.
func TestClaimant(t *testing.T) {
	const host = "ip-10-0-0-11"
	sources := func(yahoo, naver string) Sources {
		s := Default().Sources
		s.Yahoo.LocalAddr, s.Naver.LocalAddr = yahoo, naver
		return s
	}
	for _, tt := range []struct {
		yahoo, naver, want string
	}{
		{"", "", host},
		{"127.0.0.2", "", host + "@127.0.0.2"},
		{"127.0.0.2", "127.0.0.2", host + "@127.0.0.2"},
		{"10.0.0.12", "10.0.0.13", host + "@10.0.0.12,10.0.0.13"},
	} {
		if got := sources(tt.yahoo, tt.naver).Claimant(host); got != tt.want {
			t.Errorf("claimant(yahoo %q, naver %q) = %q, want %q", tt.yahoo, tt.naver, got, tt.want)
		}
	}
}
