package kube

import (
	"context"

	authnv1 "k8s.io/api/authentication/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/rest"
)

// reviewClient creates TokenReviews through a REST client that knows only
// the authentication.k8s.io/v1 group. client-go's typed clients use its
// scheme package, which registers every built-in API group when the binary
// starts, at a cost every CLI run would pay.
type reviewClient struct{ rest rest.Interface }

// newReviewClient returns a client of the API server of cfg (copied).
func newReviewClient(cfg *rest.Config) (*reviewClient, error) {
	s := runtime.NewScheme()
	if err := authnv1.AddToScheme(s); err != nil {
		return nil, err
	}
	cfg = rest.CopyConfig(cfg)
	cfg.GroupVersion = &authnv1.SchemeGroupVersion
	cfg.APIPath = "/apis"
	cfg.NegotiatedSerializer = serializer.NewCodecFactory(s).WithoutConversion()
	c, err := rest.RESTClientFor(cfg)
	if err != nil {
		return nil, err
	}
	return &reviewClient{rest: c}, nil
}

// create posts tr and returns the API server's answer.
func (c *reviewClient) create(ctx context.Context, tr *authnv1.TokenReview) (*authnv1.TokenReview, error) {
	out := &authnv1.TokenReview{}
	err := c.rest.Post().Resource("tokenreviews").Body(tr).Do(ctx).Into(out)
	return out, err
}
