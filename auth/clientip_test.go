package auth

import (
	"net/http/httptest"
	"testing"
)

func TestClientIPBelievesForwardedForOnlyFromTrustedProxies(t *testing.T) {
	proxies, err := ParseTrustedProxies(" 10.0.0.0/8, 192.168.1.7 ,2001:db8::/32")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		trusted TrustedProxies
		peer    string
		xff     []string
		want    string
	}{
		{"no proxies: the header is ignored", nil, "203.0.113.5:4000", []string{"198.51.100.1"}, "203.0.113.5"},
		{"no proxies, no header", nil, "203.0.113.5:4000", nil, "203.0.113.5"},
		{"an untrusted peer's header is ignored", proxies, "203.0.113.5:4000", []string{"198.51.100.1"}, "203.0.113.5"},
		{"a trusted proxy names the client", proxies, "10.0.0.2:4000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"a single trusted address", proxies, "192.168.1.7:4000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"an address next to the trusted one is not trusted", proxies, "192.168.1.8:4000", []string{"198.51.100.1"}, "192.168.1.8"},
		{"what the client wrote on the left does not count", proxies, "10.0.0.2:4000", []string{"1.2.3.4, 198.51.100.1"}, "198.51.100.1"},
		{"proxies in a chain are skipped", proxies, "10.0.0.2:4000", []string{"1.2.3.4, 198.51.100.1, 10.0.0.9"}, "198.51.100.1"},
		{"several header lines are one list", proxies, "10.0.0.2:4000", []string{"1.2.3.4", "198.51.100.1, 10.0.0.9"}, "198.51.100.1"},
		{"every hop a proxy: the leftmost", proxies, "10.0.0.2:4000", []string{"10.1.1.1, 10.0.0.9"}, "10.1.1.1"},
		{"a trusted proxy without the header", proxies, "10.0.0.2:4000", nil, "10.0.0.2"},
		{"garbage on the right: the peer", proxies, "10.0.0.2:4000", []string{"198.51.100.1, not-an-address"}, "10.0.0.2"},
		{"garbage left of the client does not matter", proxies, "10.0.0.2:4000", []string{"<script>, 198.51.100.1"}, "198.51.100.1"},
		{"an entry with a port", proxies, "10.0.0.2:4000", []string{"198.51.100.1:51234"}, "198.51.100.1"},
		{"IPv6", proxies, "[2001:db8::1]:4000", []string{"[2001:db9::7]:443"}, "2001:db9::7"},
		{"IPv4 in IPv6", proxies, "[::ffff:10.0.0.2]:4000", []string{"::ffff:198.51.100.1"}, "198.51.100.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/query", nil)
			r.RemoteAddr = tc.peer
			for _, h := range tc.xff {
				r.Header.Add("X-Forwarded-For", h)
			}
			if got := tc.trusted.ClientIP(r); got != tc.want {
				t.Errorf("client %q, want %q", got, tc.want)
			}
		})
	}
	for _, bad := range []string{"10.0.0.0/33", "nginx", "10.0.0.*", "10.0.0.1 10.0.0.2"} {
		if _, err := ParseTrustedProxies(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if p, err := ParseTrustedProxies(" , "); err != nil || len(p) != 0 {
		t.Errorf("blank list: %v %v", p, err)
	}
}
