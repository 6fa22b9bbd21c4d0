package fault_test

import (
	"fmt"

	"github.com/tlsecho/tlsecho/fault"
)

func ExampleParse() {
	spec, err := fault.Parse("delay:100ms~20ms, close:4001:bye@3")
	if err != nil {
		panic(err)
	}
	for _, v := range spec.Verbs() {
		fmt.Println(v.Kind, v.When.Count)
	}
	fmt.Println(spec)

	_, err = fault.Parse("frag:0")
	fmt.Println(err)
	// Output:
	// delay 0
	// close 3
	// delay:100ms~20ms,close:4001:bye@3
	// fault: frag: "0": want a size from 1 to 16384 bytes
}

func ExampleInjector_Arm() {
	in, _ := fault.New(fault.Options{})
	armed, err := in.Arm("wss", "nopong", 2)
	fmt.Println(armed, err)
	fmt.Println(in.Take("https"), in.Take("tls"), in.Take("https"), in.Take("https") == nil)
	// Output:
	// {https nopong 2} <nil>
	// nopong  nopong true
}
