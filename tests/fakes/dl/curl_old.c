/*
 * curl_old.c - a libcurl too old for pilotlight, built as
 * BUILD/tests/libcurl-old.so for test_curl_dl: every function curl_dl.h
 * lists is there, but curl_version_info() says 7.84.0, one release short
 * of CURLOPT_PROTOCOLS_STR.  curl_dl must refuse it before calling
 * anything else, so every other function aborts.
 *
 * <curl/curl.h> is not included: its prototypes would clash with the
 * stubs.  struct version_head is the start of curl_version_info_data,
 * laid out alike in every libcurl since 7.10.
 */
#include <stdlib.h>

struct version_head {
	int age; /* CURLversion */
	const char *version;
	unsigned int version_num;
};

struct version_head *curl_version_info(int age);

struct version_head *curl_version_info(int age)
{
	static struct version_head v = { 0, "7.84.0", 0x075400 };

	v.age = age;
	return &v;
}

#define STUB(name)                                                             \
	void name(void);                                                       \
	void name(void)                                                        \
	{                                                                      \
		abort();                                                       \
	}

STUB(curl_global_init)
STUB(curl_free)
STUB(curl_slist_append)
STUB(curl_slist_free_all)
STUB(curl_easy_init)
STUB(curl_easy_cleanup)
STUB(curl_easy_setopt)
STUB(curl_easy_getinfo)
STUB(curl_easy_strerror)
STUB(curl_url)
STUB(curl_url_cleanup)
STUB(curl_url_set)
STUB(curl_url_get)
STUB(curl_multi_init)
STUB(curl_multi_cleanup)
STUB(curl_multi_setopt)
STUB(curl_multi_add_handle)
STUB(curl_multi_remove_handle)
STUB(curl_multi_assign)
STUB(curl_multi_socket_action)
STUB(curl_multi_info_read)
