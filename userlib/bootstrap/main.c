/*
 * machina-bootstrap: a bootstrap name server for Machina (launchd's naming
 * role, nothing else).
 *
 *   machina-bootstrap [--port-fd FD] -- PROGRAM [ARGS...]
 *	make the bootstrap port this task's TASK_BOOTSTRAP_PORT, run PROGRAM
 *	as a child (which, like all its descendants, inherits the port across
 *	fork and exec), serve until PROGRAM exits, exit with its status
 *	(128 + signal number if it was killed).
 *   machina-bootstrap [--port-fd FD] --serve
 *	serve in the foreground until killed.
 *
 * --port-fd FD: FD carries a send right (machina_port_to_fd with
 * MACH_PORT_RIGHT_SEND) to a port of whoever started the server; a message
 * with id BS_HANDOFF carrying a send right to the bootstrap port is sent
 * there, then FD is closed.  It hands the port to a starter that cannot
 * rely on special-port inheritance (the selftests).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mach/mach.h>
#include <machina/machina.h>

#include "server.h"
#include "uapi/machina.h"
#include "userlib/bootstrap/protocol.h"

/* Darwin's TASK_BOOTSTRAP_PORT. */
#define BOOTSTRAP_SPECIAL_PORT 4

static void usage(void)
{
	fprintf(stderr,
		"usage: machina-bootstrap [--port-fd FD] -- PROGRAM [ARGS...]\n"
		"       machina-bootstrap [--port-fd FD] --serve\n");
	exit(2);
}

/*
 * set_bootstrap_special_port - task_set_special_port(mach_task_self(),
 * TASK_BOOTSTRAP_PORT, port), straight to the module (libmach's public
 * task calls are another part of the tree).  Returns 0 or an errno-style
 * reason (EPROTO: the module refused with a Mach status).
 */
static int set_bootstrap_special_port(mach_port_t port)
{
	struct machina_port_args args = {
		.task = mach_task_self(),
		.right = BOOTSTRAP_SPECIAL_PORT,
		.value = port,
	};
	int fd = machina_fd(), ret;

	if (fd < 0)
		return ENODEV;
	ret = ioctl(fd, MACHINA_IOC_TASK_SET_SPECIAL_PORT, &args);
	if (ret < 0)
		return errno;
	return ret == KERN_SUCCESS ? 0 : EPROTO;
}

/* Send a send right to port to the starter's port carried by fd. */
static int hand_off(mach_port_t port, int fd)
{
	bs_port_reply_t msg;
	uint32_t dest;
	kern_return_t kr;

	kr = machina_port_from_fd(fd, &dest);
	close(fd);
	if (kr != KERN_SUCCESS)
		return kr;
	memset(&msg, 0, sizeof(msg));
	msg.Head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND, 0) |
			     MACH_MSGH_BITS_COMPLEX;
	msg.Head.msgh_size = sizeof(msg);
	msg.Head.msgh_remote_port = dest;
	msg.Head.msgh_id = BS_HANDOFF;
	msg.body.msgh_descriptor_count = 1;
	msg.port.name = port;
	msg.port.disposition = MACH_MSG_TYPE_MAKE_SEND;
	msg.port.type = MACH_MSG_PORT_DESCRIPTOR;
	return mach_msg(&msg.Head, MACH_SEND_MSG, sizeof(msg), 0,
			MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
}

static void *serve_thread(void *unused)
{
	mach_msg_return_t mr = bs_server_run();

	(void)unused;
	fprintf(stderr, "machina-bootstrap: server loop failed: %s\n",
		mach_error_string(mr));
	/* Clients must see a dead port, not wait on a silent one. */
	_exit(1);
}

/* Fork and exec argv; serve until the child exits; its status is ours. */
static int run_child(char **argv)
{
	pthread_t thread;
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		perror("machina-bootstrap: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "machina-bootstrap: cannot run %s: %s\n",
			argv[0], strerror(errno));
		_exit(127);
	}
	if (pthread_create(&thread, NULL, serve_thread, NULL)) {
		fprintf(stderr, "machina-bootstrap: cannot start the server\n");
		return 1;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror("machina-bootstrap: waitpid");
			return 1;
		}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	int port_fd = -1, serve = 0, i, err;
	char **child = NULL;
	mach_port_t bootstrap;
	kern_return_t kr;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--port-fd") && i + 1 < argc) {
			port_fd = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--serve")) {
			serve = 1;
		} else if (!strcmp(argv[i], "--") && i + 1 < argc) {
			child = &argv[i + 1];
			break;
		} else {
			usage();
		}
	}
	if (serve == !!child)
		usage();

	kr = bs_server_init(&bootstrap);
	if (kr != KERN_SUCCESS) {
		fprintf(stderr,
			"machina-bootstrap: cannot make its ports: %s\n",
			mach_error_string(kr));
		return 1;
	}
	if (port_fd >= 0) {
		kr = hand_off(bootstrap, port_fd);
		if (kr != KERN_SUCCESS) {
			fprintf(stderr, "machina-bootstrap: --port-fd %d: %s\n",
				port_fd, mach_error_string(kr));
			return 1;
		}
	}
	if (serve) {
		mach_msg_return_t mr = bs_server_run();

		fprintf(stderr, "machina-bootstrap: server loop failed: %s\n",
			mach_error_string(mr));
		return 1;
	}
	err = set_bootstrap_special_port(bootstrap);
	if (err) {
		fprintf(stderr,
			"machina-bootstrap: cannot make the bootstrap port this "
			"task's special port: %s%s\n",
			strerror(err),
			err == ENOTTY ?
				" (the loaded machina module has no task "
				"special ports)" :
				"");
		return 1;
	}
	return run_child(child);
}
