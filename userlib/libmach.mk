# libmach's link flags, for every program that links libmach (static or shared):
#   include $(TOP)/userlib/libmach.mk
#   $(CC) -o prog prog.o libmach.a $(LIBMACH_LDFLAGS) ...
# pthread_attr_set_qos_class_np needs pthread_create, pthread_attr_init and
# pthread_attr_destroy taken with the linker's --wrap (userlib/src/qos_attr.c,
# docs/libmach.md, "Link flags").
LIBMACH_LDFLAGS := -Wl,--wrap=pthread_create -Wl,--wrap=pthread_attr_init \
	-Wl,--wrap=pthread_attr_destroy
