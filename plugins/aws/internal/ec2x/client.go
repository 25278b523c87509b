// Package ec2x is the EC2 layer both AWS plugins share: a client from the
// catalog entry and credentials, instance lookup by vcc tags, launch,
// terminate, start and stop, and AWS errors as diagnostics.
package ec2x

import (
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// Target is where calls go: region, credentials and an optional endpoint
// (an EC2-compatible cloud, or moto in tests).
type Target struct {
	Region    string
	AccessKey string
	SecretKey string
	// SessionToken goes with temporary credentials (STS, IAM Identity
	// Center); empty for an IAM user's keys.
	SessionToken string
	// Endpoint overrides EC2's; else AWS_ENDPOINT_URL_EC2 or
	// AWS_ENDPOINT_URL from the environment, as the SDK does.
	Endpoint string
}

// Client wraps the EC2 API.
type Client struct {
	ec2 *ec2.Client
}

// New builds a client. The SDK's own retries are kept small: the
// controller retries retryable failures with its own backoff.
func New(t Target) *Client {
	endpoint := t.Endpoint
	for _, env := range []string{"AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL"} {
		if endpoint == "" {
			endpoint = os.Getenv(env)
		}
	}
	opts := ec2.Options{
		Region:      t.Region,
		Credentials: credentials.NewStaticCredentialsProvider(t.AccessKey, t.SecretKey, t.SessionToken),
		Retryer:     retry.AddWithMaxAttempts(retry.NewStandard(), 2),
		// The host runs up to --provider-limit calls at once (32 by
		// default); with the SDK's 10 idle connections per host the
		// others would reconnect on every call.
		HTTPClient: awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) { tr.MaxIdleConnsPerHost = 64 }),
	}
	if endpoint != "" {
		opts.BaseEndpoint = aws.String(endpoint)
	}
	return &Client{ec2: ec2.New(opts)}
}

// API exposes the raw client (for tests and rarely used calls).
func (c *Client) API() *ec2.Client { return c.ec2 }
