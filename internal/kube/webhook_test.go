package kube_test

import (
	"errors"
	"fmt"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tether-ml/tether/internal/kube"
)

// webhookAnnotation is the prefix of the annotation Kubeflow's PodDefault
// webhook sets on a pod for each PodDefault it applies:
// <webhookAnnotation><PodDefault name>.
const webhookAnnotation = "poddefault.admission.kubeflow.org/poddefault-"

// applyPodDefaults applies pds to a copy of pod by the rules of Kubeflow's
// PodDefault admission webhook (components/admission-webhook, mergeEnv,
// mergeEnvFrom, mergeVolumes, mergeVolumeMounts) and returns it, or the
// conflicts for which the webhook refuses the pod:
//
//   - env: a variable already in the container or given by an earlier
//     PodDefault must be given again identically (reflect.DeepEqual), or
//     it is a conflict naming the variable;
//   - envFrom: appended, never checked;
//   - volumes: by name, identical or a conflict;
//   - volumeMounts: by name and by mount path, identical or a conflict;
//   - each PodDefault applied annotates the pod with its name.
func applyPodDefaults(pod *corev1.Pod, pds ...*kube.PodDefaultObject) (*corev1.Pod, error) {
	pod = pod.DeepCopy()
	var errs []error
	vols := map[string]corev1.Volume{}
	for _, v := range pod.Spec.Volumes {
		vols[v.Name] = v
	}
	for _, pd := range pds {
		for _, v := range pd.Spec.Volumes {
			if found, ok := vols[v.Name]; !ok {
				vols[v.Name] = v
				pod.Spec.Volumes = append(pod.Spec.Volumes, v)
			} else if !reflect.DeepEqual(found, v) {
				errs = append(errs, fmt.Errorf("merging volumes for %s has a conflict on %s", pd.Name, v.Name))
			}
		}
	}
	for i := range pod.Spec.Containers {
		errs = append(errs, applyToContainer(&pod.Spec.Containers[i], pds)...)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	for _, pd := range pds {
		pod.Annotations[webhookAnnotation+pd.Name] = "1"
	}
	return pod, nil
}

// applyToContainer merges the env, envFrom and volumeMounts of pds into
// ctr, returning the conflicts.
func applyToContainer(ctr *corev1.Container, pds []*kube.PodDefaultObject) []error {
	var errs []error
	env := map[string]corev1.EnvVar{}
	for _, v := range ctr.Env {
		env[v.Name] = v
	}
	byName, byPath := map[string]corev1.VolumeMount{}, map[string]corev1.VolumeMount{}
	for _, m := range ctr.VolumeMounts {
		byName[m.Name], byPath[m.MountPath] = m, m
	}
	for _, pd := range pds {
		for _, v := range pd.Spec.Env {
			if found, ok := env[v.Name]; !ok {
				env[v.Name] = v
				ctr.Env = append(ctr.Env, v)
			} else if !reflect.DeepEqual(found, v) {
				errs = append(errs, fmt.Errorf("merging env for %s has a conflict on %s", pd.Name, v.Name))
			}
		}
		ctr.EnvFrom = append(ctr.EnvFrom, pd.Spec.EnvFrom...)
		for _, m := range pd.Spec.VolumeMounts {
			if found, ok := byName[m.Name]; !ok {
				byName[m.Name] = m
				ctr.VolumeMounts = append(ctr.VolumeMounts, m)
			} else if !reflect.DeepEqual(found, m) {
				errs = append(errs, fmt.Errorf("merging volume mounts for %s has a conflict on %s", pd.Name, m.Name))
			}
			if found, ok := byPath[m.MountPath]; !ok {
				byPath[m.MountPath] = m
			} else if !reflect.DeepEqual(found, m) {
				errs = append(errs, fmt.Errorf("merging volume mounts for %s has a conflict on mount path %s",
					pd.Name, m.MountPath))
			}
		}
	}
	return errs
}

// notebookPod returns a pod shaped like a Kubeflow notebook's, labelled to
// select the PodDefaults of the given objects' names.
func notebookPod(ns string, selects ...string) *corev1.Pod {
	labels := map[string]string{"notebook-name": "nb"}
	for _, name := range selects {
		labels[name] = "true"
	}
	noToken := false
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "nb-0", Namespace: ns, Labels: labels},
		Spec: corev1.PodSpec{
			AutomountServiceAccountToken: &noToken,
			Containers: []corev1.Container{{Name: "nb", Image: "kubeflownotebookswg/jupyter-scipy:v1.9.0",
				Env:          []corev1.EnvVar{{Name: "NB_PREFIX", Value: "/notebook/user/nb"}},
				VolumeMounts: []corev1.VolumeMount{{Name: "dshm", MountPath: "/dev/shm"}}}},
			Volumes: []corev1.Volume{{Name: "dshm", VolumeSource: corev1.VolumeSource{
				EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}}},
		},
	}
}
