/*
 * libmach: the host port (mach_host_self, host_info, host_statistics64,
 * host_page_size, host_get_clock_service, host_get_special_port) and
 * clock_get_time.
 */
#include <string.h>
#include <unistd.h>

#include <mach/clock.h>
#include <mach/host_priv.h>
#include <mach/mach_host.h>

#include "internal.h"
#include "uapi/machina.h"

LIBMACH_EXPORT mach_port_t mach_host_self(void)
{
	struct machina_name_out out = { 0 };

	if (machina_call(MACHINA_IOC_HOST_SELF, &out) != KERN_SUCCESS)
		return MACH_PORT_NULL;
	return out.name;
}

/* One info call: the module writes at most MACHINA_INFO_WORDS words. */
static kern_return_t info_call(unsigned long cmd, host_t host,
			       host_flavor_t flavor, integer_t *info,
			       mach_msg_type_number_t *count)
{
	struct machina_info in = { .target = host, .flavor = flavor };
	kern_return_t kr;

	if (!info || !count)
		return KERN_INVALID_ARGUMENT;
	in.count = *count > MACHINA_INFO_WORDS ? MACHINA_INFO_WORDS : *count;
	kr = machina_call(cmd, &in);
	if (kr != KERN_SUCCESS)
		return kr;
	memcpy(info, in.info, in.count * sizeof(integer_t));
	*count = in.count;
	return KERN_SUCCESS;
}

LIBMACH_EXPORT kern_return_t host_info(host_t host, host_flavor_t flavor,
				       host_info_t host_info_out,
				       mach_msg_type_number_t *host_info_outCnt)
{
	return info_call(MACHINA_IOC_HOST_INFO, host, flavor, host_info_out,
			 host_info_outCnt);
}

LIBMACH_EXPORT kern_return_t host_statistics64(
	host_t host, host_flavor_t flavor, host_info64_t host_info64_out,
	mach_msg_type_number_t *host_info64_outCnt)
{
	return info_call(MACHINA_IOC_HOST_STATISTICS64, host, flavor,
			 host_info64_out, host_info64_outCnt);
}

/*
 * The page size needs no kernel work, but the name must still be the host:
 * the module checks it with the cheapest host_info flavor.
 */
LIBMACH_EXPORT kern_return_t host_page_size(host_t host,
					    vm_size_t *out_page_size)
{
	struct machina_info in = {
		.target = host,
		.flavor = HOST_SCHED_INFO,
		.count = HOST_SCHED_INFO_COUNT,
	};
	kern_return_t kr;

	if (!out_page_size)
		return KERN_INVALID_ARGUMENT;
	kr = machina_call(MACHINA_IOC_HOST_INFO, &in);
	if (kr != KERN_SUCCESS)
		return kr;
	*out_page_size = (vm_size_t)sysconf(_SC_PAGESIZE);
	return KERN_SUCCESS;
}

LIBMACH_EXPORT kern_return_t host_get_clock_service(host_t host,
						    clock_id_t clock_id,
						    clock_serv_t *clock_serv)
{
	struct machina_port_args a = { .task = host,
				       .right = (uint32_t)clock_id };
	kern_return_t kr;

	if (!clock_serv)
		return KERN_INVALID_ARGUMENT;
	kr = machina_call(MACHINA_IOC_HOST_GET_CLOCK_SERVICE, &a);
	if (kr == KERN_SUCCESS)
		*clock_serv = a.value;
	return kr;
}

LIBMACH_EXPORT kern_return_t clock_get_time(clock_serv_t clock_serv,
					    mach_timespec_t *cur_time)
{
	struct machina_port_args a = { .name = clock_serv };
	kern_return_t kr;

	if (!cur_time)
		return KERN_INVALID_ARGUMENT;
	kr = machina_call(MACHINA_IOC_CLOCK_GET_TIME, &a);
	if (kr == KERN_SUCCESS) {
		cur_time->tv_sec = a.value;
		cur_time->tv_nsec = (clock_res_t)a.value2;
	}
	return kr;
}

LIBMACH_EXPORT kern_return_t host_get_special_port(host_priv_t host_priv, int node,
						   int which, mach_port_t *port)
{
	struct machina_port_args a = { .task = host_priv, .right = (__u32)which };
	kern_return_t kr;

	(void)node;	/* Darwin ignores it too: one node */
	if (!port)
		return KERN_INVALID_ARGUMENT;
	kr = machina_call(MACHINA_IOC_HOST_GET_SPECIAL_PORT, &a);
	if (kr == KERN_SUCCESS)
		*port = a.value;
	return kr;
}
