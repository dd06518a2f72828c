// supervisorctl: the client side, driving a supervisord over XML-RPC.
package main

func ctlMain(progname string, args []string) int { return 0 }
