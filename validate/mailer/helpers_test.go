package mailer

import (
	"encoding/base64"
	"io"
	"mime/multipart"
	"mime/quotedprintable"
	"strconv"
	"strings"
)

func itoa(n int) string { return strconv.Itoa(n) }

// copyDecoded copies a MIME part's body, undoing its transfer encoding.
func copyDecoded(w io.Writer, p *multipart.Part) (int64, error) {
	var r io.Reader = p
	switch strings.ToLower(p.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		r = quotedprintable.NewReader(p)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, p)
	}
	return io.Copy(w, r)
}
