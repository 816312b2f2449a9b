package main

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

func main() { fmt.Println(arrow.PrimitiveTypes.Int32) }
