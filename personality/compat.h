/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only place where Machina looks at the kernel version.  Kbuild
 * force-includes this header into every object, so the rest of the module is
 * written against one API: the one spelled here.
 *
 * Supported: Linux 6.1 to 6.15 (the Debian 6.1 and 6.12 kernels of the test
 * matrix).
 */
#ifndef _MACHINA_COMPAT_H
#define _MACHINA_COMPAT_H

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "Machina needs Linux 6.1 or newer"
#endif

/*
 * The sched_process_exit tracepoint: its probe receives the exiting thread.
 * Newer kernels pass whether the thread group died as well; Machina derives
 * that from signal->live itself, so the probe only needs the task.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
#define MACHINA_EXIT_PROBE_ARGS	void *data, struct task_struct *p, bool group_dead
#else
#define MACHINA_EXIT_PROBE_ARGS	void *data, struct task_struct *p
#endif

/*
 * The file of a struct fd: a field until 6.11, behind fd_file() since 6.12
 * packed the flags into the pointer.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define machina_fd_file(f)	fd_file(f)
#else
#define machina_fd_file(f)	((f).file)
#endif

/*
 * Resident pages of an mm, exactly.  Since 6.2 the RSS counters are per-cpu
 * counters whose plain read (get_mm_rss()) misses the per-cpu deltas, so a
 * freshly forked process can read 0; sum them instead.  6.1 keeps atomics
 * that fork updates directly.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define machina_mm_counter(mm, member)					\
	percpu_counter_sum_positive(&(mm)->rss_stat[member])
#else
#define machina_mm_counter(mm, member)	get_mm_counter(mm, member)
#endif
#define machina_mm_rss(mm)						\
	(machina_mm_counter(mm, MM_FILEPAGES) +				\
	 machina_mm_counter(mm, MM_ANONPAGES) +				\
	 machina_mm_counter(mm, MM_SHMEMPAGES))

/*
 * get_user_pages_remote() lost its "vmas" argument in 6.5.  Called with
 * the mm's mmap_lock held for reading and no "locked" pointer.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define machina_gup_remote(mm, start, nr, flags, pages)			\
	get_user_pages_remote(mm, start, nr, flags, pages, NULL)
#else
#define machina_gup_remote(mm, start, nr, flags, pages)			\
	get_user_pages_remote(mm, start, nr, flags, pages, NULL, NULL)
#endif

/*
 * Does get_user_pages_remote() keep FOLL_NOFAULT on hugetlb memory?  Up to
 * 6.8 hugetlb had its own gup path (follow_hugetlb_page) that ignores the
 * flag and calls hugetlb_fault() for every absent huge page (seen on 6.1:
 * a region query filled a PROT_NONE mapping from the pool); 6.9 walks
 * hugetlb in follow_page_mask(), which ends at faultin_page()'s
 * FOLL_NOFAULT check like all other memory (6.12 source read).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
#define MACHINA_GUP_HUGETLB_NOFAULT	1
#else
#define MACHINA_GUP_HUGETLB_NOFAULT	0
#endif

/*
 * A vma's flags: written through vm_flags_set()/vm_flags_clear() since 6.3
 * (they also take the per-VMA lock), a plain field before.  Caller holds
 * the mm's mmap_lock for writing (inside f_op->mmap).
 */
/*
 * The mmap_lock contracts, asserted.  mmap_assert_locked() and
 * mmap_assert_write_locked() also call dump_mm() under CONFIG_DEBUG_VM,
 * which 6.12 exports and 6.1 does not (mm/debug.c): on the 6.1 debug
 * kernel a module using them does not link.  lockdep says the same where
 * it runs (every debug kernel of the bench); elsewhere both are nothing.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define machina_mmap_assert_locked(mm)		mmap_assert_locked(mm)
#define machina_mmap_assert_write_locked(mm)	mmap_assert_write_locked(mm)
#else
#define machina_mmap_assert_locked(mm)		lockdep_assert_held(&(mm)->mmap_lock)
#define machina_mmap_assert_write_locked(mm)	\
	lockdep_assert_held_write(&(mm)->mmap_lock)
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define machina_vm_flags_set(vma, f)	vm_flags_set(vma, f)
#define machina_vm_flags_clear(vma, f)	vm_flags_clear(vma, f)
#else
#define machina_vm_flags_set(vma, f)	((vma)->vm_flags |= (f))
#define machina_vm_flags_clear(vma, f)	((vma)->vm_flags &= ~(f))
#endif

/*
 * The Darwin trap shim (personality/trap_shim.c) needs the sys_enter
 * tracepoint and a redirect of the "not implemented" syscall: a kprobe on
 * x86_64, an ftrace_ops with IPMODIFY on arm64.  A kernel built without
 * them (the bench's debug-x86_64 kernel has no CONFIG_KPROBES;
 * debug-rt-arm64 has the function tracer for it) gets no Darwin traps:
 * the module builds, does not report MACHINA_FEATURE_TRAPS, and refuses
 * the opt-in.
 */
/*
 * The arm64 redirect needs the registers an IPMODIFY ops is given: 6.12
 * passes the argument registers (DYNAMIC_FTRACE_WITH_ARGS; its arm64 has
 * no WITH_REGS), 6.1 the full pt_regs (DYNAMIC_FTRACE_WITH_REGS; its arm64
 * has no WITH_ARGS).  Checked in the Debian configs of the matrix.
 */
#if defined(CONFIG_DYNAMIC_FTRACE) &&					\
	((LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0) &&		\
	  defined(CONFIG_DYNAMIC_FTRACE_WITH_ARGS)) ||			\
	 (LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0) &&		\
	  defined(CONFIG_DYNAMIC_FTRACE_WITH_REGS)))
#define MACHINA_FTRACE_REDIRECT	1
#else
#define MACHINA_FTRACE_REDIRECT	0
#endif
#if defined(CONFIG_HAVE_SYSCALL_TRACEPOINTS) && defined(CONFIG_TRACEPOINTS) && \
	((defined(CONFIG_X86_64) && defined(CONFIG_KPROBES)) ||		\
	 (defined(CONFIG_ARM64) && MACHINA_FTRACE_REDIRECT))
#define MACHINA_TRAP_SHIM	1
#else
#define MACHINA_TRAP_SHIM	0
#endif

/*
 * Redirecting a traced function (personality/ftrace_redirect.c), as livepatch
 * does.  6.12 passes the arguments' registers only (arm64 has no
 * DYNAMIC_FTRACE_WITH_REGS there) and sets the resume address with
 * ftrace_regs_set_instruction_pointer(); 6.1 saves the full pt_regs
 * (FTRACE_OPS_FL_SAVE_REGS, both architectures) and the address is
 * their instruction pointer.  Returns false if it could not be set.
 */
#if !MACHINA_FTRACE_REDIRECT
/* no redirect */
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define MACHINA_FTRACE_IPMODIFY_FLAGS	FTRACE_OPS_FL_IPMODIFY
#define machina_ftrace_set_ip(fregs, ip)				\
	({ ftrace_regs_set_instruction_pointer(fregs, ip); true; })
#else
#define MACHINA_FTRACE_IPMODIFY_FLAGS					\
	(FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY)
#define machina_ftrace_set_ip(fregs, ip)				\
	({								\
		struct pt_regs *__r = ftrace_get_regs(fregs);		\
		if (__r)						\
			instruction_pointer_set(__r, ip);		\
		__r != NULL;						\
	})
#endif

/*
 * How many page table entries map an order-0 page: page_mapcount() until
 * 6.12 folded it into folio_mapcount() (an inline in both series).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define machina_page_mapcount(page)	folio_mapcount(page_folio(page))
#else
#define machina_page_mapcount(page)	page_mapcount(page)
#endif

/*
 * Shrinkers: 6.1 embeds struct shrinker in its user and registers it with
 * register_shrinker(s, fmt, ...) (which can fail); 6.7 on allocates it
 * (shrinker_alloc(), GPL) and registers it with shrinker_register() (which
 * cannot), freeing with shrinker_free().  machina_shrinker_register()
 * frees the shrinker itself when it fails.  Macros: this header comes
 * before <linux/shrinker.h> and <linux/slab.h>, which their users include.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
#define machina_shrinker_alloc(name)	shrinker_alloc(0, "%s", name)
#define machina_shrinker_register(s, name) ({ shrinker_register(s); 0; })
#define machina_shrinker_free(s)	shrinker_free(s)
#else
#define machina_shrinker_alloc(name)					\
	((struct shrinker *)kzalloc(sizeof(struct shrinker), GFP_KERNEL))
#define machina_shrinker_register(s, name)				\
	({								\
		struct shrinker *__s = (s);				\
		int __err = register_shrinker(__s, "%s", name);	\
		if (__err)						\
			kfree(__s);					\
		__err;							\
	})
#define machina_shrinker_free(s)					\
	do {								\
		struct shrinker *__s = (s);				\
		unregister_shrinker(__s);				\
		kfree(__s);						\
	} while (0)
#endif

#endif /* _MACHINA_COMPAT_H */
