package db

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/go-sql-driver/mysql"
)

// IsUnavailable reports an error that means the database cannot be reached
// right now (refused, reset, cut, timed out): the request may succeed if sent
// again shortly, and the API says UNAVAILABLE rather than INTERNAL.
func IsUnavailable(err error) bool {
	var ne net.Error
	var op *net.OpError
	switch {
	case err == nil:
		return false
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, mysql.ErrInvalidConn),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ETIMEDOUT):
		return true
	case errors.As(err, &op), errors.As(err, &ne):
		return true
	}
	return false
}
