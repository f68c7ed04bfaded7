package market

// Boards of XKRX. They share its calendar; Yahoo spells their codes with
// different suffixes and Naver lists them separately.
const (
	BoardKOSPI  = "KOSPI"
	BoardKOSDAQ = "KOSDAQ"
)

// IsKRXCode reports whether s is a KRX short code: six digits or capital
// letters, the first a digit ("005930", "0193T0"). Codes are strings:
// parsing one as an integer drops its leading zeros and fails on letters.
func IsKRXCode(s string) bool {
	if len(s) != 6 || s[0] < '0' || s[0] > '9' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}
