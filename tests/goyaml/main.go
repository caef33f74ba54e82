// Reads YAML streams with go-yaml v2 (gopkg.in/yaml.v2, the reader kubectl uses) and prints
// the documents of each file as JSON: [[docs of file 1], ...]. A reader error exits 1.
// Built by tests/it/yaml_readback.rs against Debian's golang-gopkg-yaml.v2-dev (GOPATH mode).
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"gopkg.in/yaml.v2"
)

func conv(v interface{}) interface{} {
	switch x := v.(type) {
	case map[interface{}]interface{}:
		m := map[string]interface{}{}
		for k, val := range x {
			m[fmt.Sprint(k)] = conv(val)
		}
		return m
	case []interface{}:
		for i := range x {
			x[i] = conv(x[i])
		}
		return x
	}
	return v
}

func main() {
	out := []interface{}{}
	for _, path := range os.Args[1:] {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		docs := []interface{}{}
		for {
			var v interface{}
			err := dec.Decode(&v)
			if err == io.EOF {
				break
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
				os.Exit(1)
			}
			docs = append(docs, conv(v))
		}
		out = append(out, docs)
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
