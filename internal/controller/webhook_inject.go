package controller

import (
	"encoding/json"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"

	"github.com/tether-ml/tether"
)

// injected is what one connection gave a pod, by name only: the record
// of the tether.ml/injected annotation.
type injected struct {
	Connection   string   `json:"connection"`
	Sync         string   `json:"sync"`
	Env          []string `json:"env,omitempty"`
	Volumes      []string `json:"volumes,omitempty"`
	VolumeMounts []string `json:"volumeMounts,omitempty"` // mount paths
}

// merged is the union of the injections a pod gets, each entry with the
// connection that asked for it.
type merged struct {
	env     map[string]corev1.EnvVar
	volumes map[string]corev1.Volume
	mounts  map[string]corev1.VolumeMount // by mount path
	from    map[string]string             // "env X", "volume X", "mount X" -> connection
	order   []delivered
}

// inject adds the injections of found to pod, as Kubeflow's PodDefault
// webhook applies PodDefaults: variables and mounts to every container
// and init container, volumes to the pod. A definition the pod already
// has identically is not repeated, so a pod injected twice is unchanged;
// one defined differently, by two connections or by the pod, is EINVALID
// naming it. The annotation tether.ml/injected records what each
// connection gave, by name.
func inject(pod *corev1.Pod, found []delivered) error {
	m, err := mergeInjections(found)
	if err != nil {
		return err
	}
	for _, d := range m.order {
		for _, v := range d.Injection.Volumes {
			if err := addVolume(pod, v, d.Connection); err != nil {
				return err
			}
		}
	}
	for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range cs {
			if err := m.apply(&cs[i]); err != nil {
				return err
			}
		}
	}
	return annotate(pod, found)
}

// mergeInjections checks that the injections of found agree with each
// other and returns their union.
func mergeInjections(found []delivered) (*merged, error) {
	m := &merged{env: map[string]corev1.EnvVar{}, volumes: map[string]corev1.Volume{},
		mounts: map[string]corev1.VolumeMount{}, from: map[string]string{}, order: found}
	for _, d := range found {
		for _, e := range d.Injection.Env {
			if err := put(m, "variable "+e.Name, d.Connection, m.env, e.Name, e); err != nil {
				return nil, err
			}
		}
		for _, v := range d.Injection.Volumes {
			if err := put(m, "volume "+v.Name, d.Connection, m.volumes, v.Name, v); err != nil {
				return nil, err
			}
		}
		for _, vm := range d.Injection.VolumeMounts {
			if err := put(m, "mount path "+vm.MountPath, d.Connection, m.mounts, vm.MountPath, vm); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// put adds v under key to into, unless a different v is there already:
// EINVALID naming what and both connections.
func put[T any](m *merged, what, conn string, into map[string]T, key string, v T) error {
	if old, ok := into[key]; ok {
		if equality.Semantic.DeepEqual(old, v) {
			return nil
		}
		return tether.Errorf(tether.EINVALID,
			"%s is defined differently by connections %s and %s: give one of their syncs a podDefault.prefix, or ask for one of them",
			what, m.from[what], conn)
	}
	into[key], m.from[what] = v, conn
	return nil
}

// apply adds the merged variables and mounts to container c, in the
// order of the connections, skipping those c has identically.
func (m *merged) apply(c *corev1.Container) error {
	for _, d := range m.order {
		for _, e := range d.Injection.Env {
			i := slices.IndexFunc(c.Env, func(x corev1.EnvVar) bool { return x.Name == e.Name })
			switch {
			case i < 0:
				c.Env = append(c.Env, e)
			case !equality.Semantic.DeepEqual(c.Env[i], e):
				return podConflict("variable "+e.Name, c.Name, d.Connection)
			}
		}
		for _, vm := range d.Injection.VolumeMounts {
			i := slices.IndexFunc(c.VolumeMounts, func(x corev1.VolumeMount) bool { return x.MountPath == vm.MountPath })
			switch {
			case i < 0:
				c.VolumeMounts = append(c.VolumeMounts, vm)
			case !equality.Semantic.DeepEqual(c.VolumeMounts[i], vm):
				return podConflict("mount path "+vm.MountPath, c.Name, d.Connection)
			}
		}
	}
	return nil
}

// addVolume adds v to pod unless the pod has it identically.
func addVolume(pod *corev1.Pod, v corev1.Volume, conn string) error {
	i := slices.IndexFunc(pod.Spec.Volumes, func(x corev1.Volume) bool { return x.Name == v.Name })
	switch {
	case i < 0:
		pod.Spec.Volumes = append(pod.Spec.Volumes, v)
	case !equality.Semantic.DeepEqual(pod.Spec.Volumes[i], v):
		return tether.Errorf(tether.EINVALID, "volume %s of the pod is defined differently by connection %s", v.Name, conn)
	}
	return nil
}

// podConflict is the error of a definition of container that differs
// from the one connection conn gives.
func podConflict(what, container, conn string) error {
	return tether.Errorf(tether.EINVALID, "%s of container %s is defined differently by connection %s", what, container, conn)
}

// annotate records in tether.ml/injected what each connection of found
// gave the pod, by name: no value, which could be a secret's.
func annotate(pod *corev1.Pod, found []delivered) error {
	rec := make([]injected, 0, len(found))
	for _, d := range found {
		r := injected{Connection: d.Connection, Sync: d.Sync}
		for _, e := range d.Injection.Env {
			r.Env = append(r.Env, e.Name)
		}
		for _, v := range d.Injection.Volumes {
			r.Volumes = append(r.Volumes, v.Name)
		}
		for _, vm := range d.Injection.VolumeMounts {
			r.VolumeMounts = append(r.VolumeMounts, vm.MountPath)
		}
		rec = append(rec, r)
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		return tether.Internal("controller.annotate", err)
	}
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	pod.Annotations[InjectedAnnotation] = string(raw)
	return nil
}
