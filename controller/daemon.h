/* ovs-offloadd's entry point; main() only calls this. */
#ifndef OO_CONTROLLER_DAEMON_H
#define OO_CONTROLLER_DAEMON_H

int oo_daemon_main(int argc, char **argv);

#endif
