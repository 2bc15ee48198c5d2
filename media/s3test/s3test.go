// Package s3test gives tests a fresh bucket on the real S3-compatible server
// that WMS_TEST_S3_ENDPOINT points at (.ci/run starts one).
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"wms/media"
)

// Variables that point the tests at an S3-compatible server.
const (
	EndpointVar  = "WMS_TEST_S3_ENDPOINT"
	AccessKeyVar = "WMS_TEST_S3_ACCESS_KEY"
	SecretKeyVar = "WMS_TEST_S3_SECRET_KEY"
)

// Options returns the settings of a new, empty bucket on the test server,
// emptied and removed when the test ends. Without WMS_TEST_S3_ENDPOINT the
// test is skipped, saying so (and go run ./test fails the run when
// WMS_TEST_NO_SKIPS is set).
func Options(t testing.TB) media.S3Options {
	t.Helper()
	endpoint := os.Getenv(EndpointVar)
	if endpoint == "" {
		t.Skip(EndpointVar + " is not set: S3 test skipped")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	o := media.S3Options{Endpoint: endpoint, Bucket: "wms-test-" + hex.EncodeToString(b[:]), Region: "us-east-1",
		AccessKey: os.Getenv(AccessKeyVar), SecretKey: os.Getenv(SecretKeyVar), PathStyle: true}
	s, err := media.NewS3(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Client.MakeBucket(ctx, o.Bucket, minio.MakeBucketOptions{Region: o.Region}); err != nil {
		t.Fatalf("make bucket %s on %s: %v", o.Bucket, endpoint, err)
	}
	t.Cleanup(func() { removeBucket(t, s) })
	return o
}

// Store returns an S3 store over a new bucket, as Options.
func Store(t testing.TB) *media.S3 {
	t.Helper()
	s, err := media.NewS3(Options(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Keys lists the objects in the bucket.
func Keys(t testing.TB, s *media.S3) []string {
	t.Helper()
	var keys []string
	for o := range s.Client.ListObjects(context.Background(), s.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatalf("list %s: %v", s.Bucket, o.Err)
		}
		keys = append(keys, o.Key)
	}
	return keys
}

func removeBucket(t testing.TB, s *media.S3) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for o := range s.Client.ListObjects(ctx, s.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err == nil {
			_ = s.Client.RemoveObject(ctx, s.Bucket, o.Key, minio.RemoveObjectOptions{})
		}
	}
	if err := s.Client.RemoveBucket(ctx, s.Bucket); err != nil {
		t.Logf("remove bucket %s: %v", s.Bucket, err)
	}
}
