package cli

import (
	"fmt"
	"strings"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// renderFormats are the values of --as: the generic ones, and between
// them the file formats and the Kubernetes Secret types the connection
// types declare, so that a new type's formats need no change here.
type renderFormats struct {
	names []string // in the order of the help
	files []*fileFormat
	// secrets lists "<Secret type> for <types>" of the types that declare
	// a Kubernetes Secret type.
	secrets []string
}

// fileFormat is a format that prints one file of a rendering, with the
// types that offer it, in declaration order.
type fileFormat struct {
	tether.FileFormat
	types []string
}

// newRenderFormats collects the formats of the types of reg.
func newRenderFormats(reg *conntype.Registry) *renderFormats {
	f := &renderFormats{names: []string{"env", "dotenv", "json", "airflow"}}
	bySecret := map[string][]string{}
	var secretTypes []string
	for _, t := range reg.Declared() {
		for _, ff := range t.Formats {
			f.addFile(ff, t.Name)
		}
		if ks := t.KubeSecret; ks != nil {
			if bySecret[ks.Type] == nil {
				secretTypes = append(secretTypes, ks.Type)
			}
			bySecret[ks.Type] = append(bySecret[ks.Type], t.Name)
		}
	}
	for _, st := range secretTypes {
		f.secrets = append(f.secrets, st+" for "+enumerate(bySecret[st], "and"))
	}
	f.names = append(f.names, "k8s-secret", "poddefault")
	return f
}

// addFile records that type typ offers ff.
func (f *renderFormats) addFile(ff tether.FileFormat, typ string) {
	if known := f.file(ff.Name); known != nil {
		known.types = append(known.types, typ)
		return
	}
	f.files = append(f.files, &fileFormat{FileFormat: ff, types: []string{typ}})
	f.names = append(f.names, ff.Name)
}

// file returns the file format called name, or nil.
func (f *renderFormats) file(name string) *fileFormat {
	for _, ff := range f.files {
		if ff.Name == name {
			return ff
		}
	}
	return nil
}

// help is the command's long help.
func (f *renderFormats) help() string {
	var b strings.Builder
	b.WriteString(renderLongHead)
	b.WriteString(helpItem("airflow", "AIRFLOW_CONN_<CONN_ID>=URI, the variable Airflow reads the connection from; "+
		"the conn_id is the id with '-' as '_' (training-data: AIRFLOW_CONN_TRAINING_DATA, conn_id training_data). "+
		"With -o json, {conn_id: {conn_type, login, password, host, port, schema, extra}}, a file that "+
		"'airflow connections import' and Airflow's local-filesystem backend read"))
	for _, ff := range f.files {
		b.WriteString(helpItem(ff.Name, fmt.Sprintf("%s (%s connections)", ff.Description, enumerate(ff.types, "and"))))
	}
	secret := "a Kubernetes Secret: "
	for _, s := range f.secrets {
		secret += s + ", "
	}
	b.WriteString(helpItem("k8s-secret", secret+"Opaque otherwise (for s3, Kaptain's aws-configuration keys)"))
	b.WriteString(renderLongTail)
	return b.String()
}

// helpItem is one entry of the list of formats: the name, then the text
// wrapped at 78 columns, each line indented under the first.
func helpItem(name, text string) string {
	const indent, width = 19, 78
	line := fmt.Sprintf("  %-16s", name)
	var b strings.Builder
	for _, w := range strings.Fields(text) {
		if len(line) > indent && len(line)+1+len(w) > width {
			b.WriteString(line + "\n")
			line = strings.Repeat(" ", indent-1)
		}
		line += " " + w
	}
	b.WriteString(line + "\n")
	return b.String()
}

// enumerate joins names as English does: "a", "a or b", "a, b or c".
func enumerate(names []string, conj string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + conj + " " + names[len(names)-1]
}
