package db

import (
	"fmt"
	"strconv"
	"time"

	"wms/model"
)

// Typed destinations for rows.Scan, for the page queries that scan their
// rows themselves (goodsscan.go). Each reads a column value as Bun's scanner
// of the matching model field does (bun/schema/scan.go), so a list reads the
// same stored row the same way on either path, odd values included — only
// without reflection. Optional columns record whether the value was NULL.

// intCol reads an integer column; NULL is 0.
type intCol int64

func (c *intCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c = 0
	case int64:
		*c = intCol(v)
	case uint64:
		*c = intCol(int64(v))
	case []byte:
		return c.parse(string(v))
	case string:
		return c.parse(v)
	default:
		return fmt.Errorf("db: cannot read %T as an integer", src)
	}
	return nil
}

func (c *intCol) parse(s string) error {
	n, err := strconv.ParseInt(s, 10, 64)
	*c = intCol(n)
	return err
}

// optIntCol reads a nullable integer column.
type optIntCol struct {
	v     intCol
	valid bool
}

func (c *optIntCol) Scan(src any) error {
	c.valid = src != nil
	return c.v.Scan(src)
}

// ptr is the value as an optional field holds it.
func (c *optIntCol) ptr() *int64 {
	if !c.valid {
		return nil
	}
	v := int64(c.v)
	return &v
}

// textCol reads a text column; NULL is "", and a number or a time is
// written out as Bun writes it.
type textCol string

func (c *textCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c = ""
	case string:
		*c = textCol(v)
	case []byte:
		*c = textCol(v)
	case time.Time:
		*c = textCol(v.Format(time.RFC3339Nano))
	case int64:
		*c = textCol(strconv.FormatInt(v, 10))
	case uint64:
		*c = textCol(strconv.FormatUint(v, 10))
	case float64:
		*c = textCol(strconv.FormatFloat(v, 'G', -1, 64))
	default:
		return fmt.Errorf("db: cannot read %T as a text", src)
	}
	return nil
}

// optTextCol reads a nullable text column.
type optTextCol struct {
	v     textCol
	valid bool
}

func (c *optTextCol) Scan(src any) error {
	c.valid = src != nil
	return c.v.Scan(src)
}

func (c *optTextCol) ptr() *string {
	if !c.valid {
		return nil
	}
	v := string(c.v)
	return &v
}

// boolCol reads a boolean column: an integer is true when not 0; NULL is false.
type boolCol bool

func (c *boolCol) Scan(src any) error {
	var err error
	switch v := src.(type) {
	case nil:
		*c = false
	case bool:
		*c = boolCol(v)
	case int64:
		*c = v != 0
	case []byte:
		var b bool
		b, err = strconv.ParseBool(string(v))
		*c = boolCol(b)
	case string:
		var b bool
		b, err = strconv.ParseBool(v)
		*c = boolCol(b)
	default:
		err = fmt.Errorf("db: cannot read %T as a boolean", src)
	}
	return err
}

// timeCol reads a time column selected with selectTime; what is no time is
// the zero time (see storedTime).
type timeCol time.Time

func (c *timeCol) Scan(src any) error {
	*c = timeCol(storedTime(src))
	return nil
}

func (c timeCol) time() time.Time { return time.Time(c) }

// optQuantityCol reads a nullable quantity with the quantity's own Scan.
type optQuantityCol struct {
	v     model.Quantity
	valid bool
}

func (c *optQuantityCol) Scan(src any) error {
	c.valid = src != nil
	if !c.valid {
		c.v = 0
		return nil
	}
	return c.v.Scan(src)
}

func (c *optQuantityCol) ptr() *model.Quantity {
	if !c.valid {
		return nil
	}
	v := c.v
	return &v
}
