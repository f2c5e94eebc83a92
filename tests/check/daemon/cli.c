/* daedalus-v4l2
 * Copyright (C) 2025 daedalus-v4l2 authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The daedalusd program ($DAEDALUSD): options, --list, exit codes, and a
 * whole run against the fake kernel through the hidden --fd option. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <unistd.h>
#include <linux/videodev2.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>

#include "fakekernel.h"
#include "gstdaedaluscodec.h"
#include "testclip.h"

#define TIMEOUT_MS 30000
#define N_FRAMES 10

/* Under meson's valgrind setup (tests/check/meson.build) daedalusd runs
 * under memcheck too: $DAEDALUSD_VALGRIND is the valgrind command line
 * (shell syntax) to run it with.  Errors make valgrind exit with
 * VALGRIND_ERROR_STATUS, which is none of daedalusd's (0 to 5); valgrind
 * writes to "<output file>.valgrind", so that daedalusd's output is what
 * it prints, as without valgrind. */
#define VALGRIND_ERROR_STATUS 99

typedef struct
{
  gint status;
  gchar *out;
  gchar *err;
} Run;

static gchar *empty_config;

static void
run_clear (Run * r)
{
  g_free (r->out);
  g_free (r->err);
}

/* @env: (nullable): NAME=VALUE settings on top of ours */
static GSubprocess *
spawn_env (const gchar * const *args, FakeKernel * fk,
    const gchar * const *env, gchar ** out_path)
{
  GSubprocessLauncher *l =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  const gchar *valgrind = g_getenv ("DAEDALUSD_VALGRIND");
  GError *err = NULL;
  GSubprocess *p;
  guint i;

  /* the output goes to files: nobody has to read pipes while it runs */
  *out_path = g_strdup_printf ("%s/daedalusd-cli-%d-XXXXXX", g_get_tmp_dir (),
      getpid ());
  close (g_mkstemp (*out_path));

  if (valgrind && *valgrind) {
    gchar **vg_argv;

    fail_unless (g_shell_parse_argv (valgrind, NULL, &vg_argv, &err),
        "DAEDALUSD_VALGRIND: %s", err ? err->message : "");
    for (i = 0; vg_argv[i]; i++)
      g_ptr_array_add (argv, g_strdup (vg_argv[i]));
    g_strfreev (vg_argv);
    g_ptr_array_add (argv, g_strdup_printf ("--error-exitcode=%d",
            VALGRIND_ERROR_STATUS));
    g_ptr_array_add (argv, g_strdup_printf ("--log-file=%s.valgrind",
            *out_path));
  }
  g_ptr_array_add (argv, g_strdup (g_getenv ("DAEDALUSD")));
  g_ptr_array_add (argv, g_strdup ("-c"));
  g_ptr_array_add (argv, g_strdup (empty_config));
  if (fk) {
    g_subprocess_launcher_take_fd (l, dup (fake_kernel_get_fd (fk)), 3);
    g_ptr_array_add (argv, g_strdup ("--fd=3"));
  }
  for (i = 0; args[i]; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_set_stdout_file_path (l, *out_path);
  g_subprocess_launcher_setenv (l, "LANGUAGE", "C", TRUE);
  g_subprocess_launcher_setenv (l, "LC_ALL", "C", TRUE);
  for (i = 0; env && env[i]; i++) {
    gchar **kv = g_strsplit (env[i], "=", 2);

    g_subprocess_launcher_setenv (l, kv[0], kv[1], TRUE);
    g_strfreev (kv);
  }
  p = g_subprocess_launcher_spawnv (l, (const gchar * const *) argv->pdata,
      &err);
  fail_unless (p != NULL, "%s", err ? err->message : "");
  g_ptr_array_unref (argv);
  g_object_unref (l);
  return p;
}

static GSubprocess *
spawn (const gchar * const *args, FakeKernel * fk, gchar ** out_path)
{
  return spawn_env (args, fk, NULL, out_path);
}

/* Waits until daedalusd, still running, has printed @needle. */
static gboolean
wait_output (const gchar * out_path, const gchar * needle, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * (gint64) 1000;
  gboolean found = FALSE;

  while (!found && g_get_monotonic_time () < end) {
    gchar *out = NULL;

    if (g_file_get_contents (out_path, &out, NULL, NULL))
      found = strstr (out, needle) != NULL;
    g_free (out);
    if (!found)
      g_usleep (20 * 1000);
  }
  return found;
}

static void
finish (GSubprocess * p, gchar * out_path, Run * r)
{
  fail_unless (g_subprocess_wait (p, NULL, NULL));
  fail_unless (g_subprocess_get_if_exited (p), "daedalusd did not exit");
  r->status = g_subprocess_get_exit_status (p);
  if (g_getenv ("DAEDALUSD_VALGRIND") && *g_getenv ("DAEDALUSD_VALGRIND")) {
    gchar *log_path = g_strconcat (out_path, ".valgrind", NULL);
    gchar *log = NULL;

    fail_unless (g_file_get_contents (log_path, &log, NULL, NULL),
        "no %s", log_path);
    GST_INFO ("valgrind:\n%s", log);
    /* the report, on stderr: too long for a check message */
    if (r->status == VALGRIND_ERROR_STATUS)
      g_printerr ("daedalusd under valgrind:\n%s", log);
    fail_if (r->status == VALGRIND_ERROR_STATUS,
        "memcheck found errors in daedalusd: its report is on stderr");
    g_unlink (log_path);
    g_free (log_path);
    g_free (log);
  }
  fail_unless (g_file_get_contents (out_path, &r->out, NULL, NULL));
  r->err = g_strdup (r->out);
  GST_INFO ("exit %d:\n%s", r->status, r->out);
  g_unlink (out_path);
  g_free (out_path);
  g_object_unref (p);
}

static void
run (const gchar * const *args, FakeKernel * fk, Run * r)
{
  gchar *out_path;
  GSubprocess *p = spawn (args, fk, &out_path);

  finish (p, out_path, r);
}

static gchar *
write_config (const gchar * contents)
{
  gchar *path;
  gint fd = g_file_open_tmp ("daedalusd-cli-XXXXXX.conf", &path, NULL);

  fail_unless (fd >= 0);
  close (fd);
  fail_unless (g_file_set_contents (path, contents, -1, NULL));
  return path;
}

#define assert_contains(hay, needle) \
  fail_unless (strstr ((hay), (needle)) != NULL, "'%s' not in:\n%s", \
      (needle), (hay))

GST_START_TEST (test_list)
{
  const gchar *args[] = { "--list", "--decoder", "av1=", "-D",
    "h264=h264parse ! no-such-decoder", NULL
  };
  const gchar *codecs[] = { "vp9", "vp8", "h264", "hevc", "mpeg2", "av1" };
  Run r;
  guint i;

  run (args, NULL, &r);
  fail_unless_equals_int (r.status, 0);
  for (i = 0; i < G_N_ELEMENTS (codecs); i++) {
    gchar *line = g_strdup_printf ("\n%-6s ", codecs[i]);

    assert_contains (r.out, line);
    g_free (line);
  }
  assert_contains (r.out, "vp9    vp9parse ! vp9dec\n       usable "
      "(built-in default)");
  assert_contains (r.out, "av1    -\n       not usable: disabled in the "
      "configuration (command line)");
  assert_contains (r.out, "h264   h264parse ! no-such-decoder\n"
      "       not usable: elements not installed: no-such-decoder "
      "(command line)");
  run_clear (&r);
}

GST_END_TEST;

GST_START_TEST (test_help)
{
  const gchar *args[] = { "--help", NULL };
  const gchar *bad[] = { "--no-such-option", NULL };
  Run r;

  run (args, NULL, &r);
  fail_unless_equals_int (r.status, 0);
  assert_contains (r.out, "--decoder=CODEC=TEMPLATE");
  assert_contains (r.out, "Exit status:");
  assert_contains (r.out, "  4  the kernel module speaks another protocol");
  /* a documented feature: a socket to a peer that speaks the protocol */
  assert_contains (r.out, "--fd=FD");
  run_clear (&r);

  run (bad, NULL, &r);
  fail_unless_equals_int (r.status, 1);
  run_clear (&r);
}

GST_END_TEST;

/* Every row of the codec table (gstdaedaluscodec.c) is in --help, in
 * --list, and a key of --decoder and of the configuration file, by its
 * name and by its alias: adding a row is enough for all of them. */
GST_START_TEST (test_codec_table)
{
  const GstDaedalusCodec *codecs;
  GPtrArray *args = g_ptr_array_new ();
  GString *conf = g_string_new ("[decoders]\n");
  const gchar *help[] = { "--help", NULL };
  gchar *path, *s;
  guint i, n;
  Run r;

  codecs = gst_daedalus_codecs (&n);
  fail_unless (n > 0);
  run (help, NULL, &r);
  fail_unless_equals_int (r.status, 0);
  for (i = 0; i < n; i++) {
    s = g_strdup_printf (" %s%s", codecs[i].name, i + 1 < n ? "," : ".  ");
    assert_contains (r.out, s);
    g_free (s);
  }
  run_clear (&r);

  /* even rows disabled on the command line, odd ones in the file; by the
   * alias where there is one */
  g_ptr_array_add (args, (gpointer) "--list");
  for (i = 0; i < n; i++) {
    const gchar *key = codecs[i].alias ? codecs[i].alias : codecs[i].name;

    if (i % 2 == 0) {
      g_ptr_array_add (args, (gpointer) "-D");
      g_ptr_array_add (args, g_strdup_printf ("%s=", key));
    } else {
      g_string_append_printf (conf, "%s=\n", key);
    }
  }
  path = write_config (conf->str);
  g_ptr_array_add (args, (gpointer) "--config");
  g_ptr_array_add (args, path);
  g_ptr_array_add (args, NULL);
  run ((const gchar * const *) args->pdata, NULL, &r);
  fail_unless_equals_int (r.status, 0);
  for (i = 0; i < n; i++) {
    s = g_strdup_printf ("\n%-6s -\n       not usable: disabled in the "
        "configuration (%s)\n", codecs[i].name,
        i % 2 == 0 ? "command line" : "configuration file");
    assert_contains (r.out, s);
    g_free (s);
  }
  run_clear (&r);

  for (i = 0; i < args->len; i++) {
    const gchar *a = g_ptr_array_index (args, i);

    if (a && g_str_has_suffix (a, "="))
      g_free ((gpointer) a);
  }
  g_ptr_array_free (args, TRUE);
  g_unlink (path);
  g_free (path);
  g_string_free (conf, TRUE);
}

GST_END_TEST;

/* without the daedalus plugin nothing can run: a clear error at start */
GST_START_TEST (test_no_plugin)
{
  const gchar *args[] = { "--list", NULL };
  gchar *dir = g_dir_make_tmp ("daedalusd-cli-XXXXXX", NULL);
  gchar *registry = g_build_filename (dir, "registry.bin", NULL);
  gchar *env_path = g_strdup_printf ("GST_PLUGIN_PATH_1_0=%s", dir);
  gchar *env_registry = g_strdup_printf ("GST_REGISTRY=%s", registry);
  const gchar *env[] = { env_path, env_registry, NULL };
  GSubprocess *p;
  gchar *out_path;
  Run r;

  p = spawn_env (args, NULL, env, &out_path);
  finish (p, out_path, &r);
  fail_unless_equals_int (r.status, 1);
  assert_contains (r.out, "The daedalus GStreamer plugin (daedalussrc, "
      "daedalussink) is not installed.");
  run_clear (&r);
  g_unlink (registry);
  g_rmdir (dir);
  g_free (env_registry);
  g_free (env_path);
  g_free (registry);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_bad_template_exit)
{
  const gchar *cli[] = { "--list", "-D", "vp9=vp9parse ! ! avdec_vp9", NULL };
  gchar *path = write_config ("[decoders]\nh264=h264parse ! (\n");
  const gchar *file[] = { "--config", path, NULL };
  Run r;

  run (cli, NULL, &r);
  fail_unless_equals_int (r.status, 1);
  assert_contains (r.err, "Bad decoder template for vp9 on the command line");
  run_clear (&r);

  /* the last -c wins */
  run (file, NULL, &r);
  fail_unless_equals_int (r.status, 1);
  assert_contains (r.err, "Bad decoder template for h264 in ");
  assert_contains (r.err, path);
  run_clear (&r);
  g_unlink (path);
  g_free (path);
}

GST_END_TEST;

GST_START_TEST (test_no_device)
{
  const gchar *args[] = { "--device", "/nonexistent/daedalus-v4l2", NULL };
  Run r;

  run (args, NULL, &r);
  fail_unless_equals_int (r.status, 2);
  assert_contains (r.err, "is the daedalus_v4l2 module loaded?");
  run_clear (&r);
}

GST_END_TEST;

GST_START_TEST (test_version_mismatch)
{
  const gchar *args[] = { NULL };
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR + 1, 4);
  Run r;

  run (args, fk, &r);
  fail_unless_equals_int (r.status, 4);
  assert_contains (r.err, "protocol version");
  run_clear (&r);
  fake_kernel_free (fk);
}

GST_END_TEST;

/* --check (the unit's ExecStartPre): the handshake made and the
 * connection closed, or the start's own error and exit status */
GST_START_TEST (test_check)
{
  const gchar *args[] = { "--check", NULL };
  const gchar *nodev[] = { "--check", "--device", "/nonexistent/daedalus-v4l2",
    NULL
  };
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  FakeKernel *old = fake_kernel_new (DAEDALUS_PROTO_MAJOR + 1, 4);
  Run r;

  run (args, fk, &r);
  fail_unless_equals_int (r.status, 0);
  fail_unless (fake_kernel_wait_hello (fk, TIMEOUT_MS));
  assert_contains (r.out, "Check passed: fd answers, decoding vp9 "
      "(vp9parse ! vp9dec)");
  run_clear (&r);

  run (nodev, NULL, &r);
  fail_unless_equals_int (r.status, 2);
  assert_contains (r.err, "is the daedalus_v4l2 module loaded?");
  run_clear (&r);

  run (args, old, &r);
  fail_unless_equals_int (r.status, 4);
  assert_contains (r.err, "protocol version");
  run_clear (&r);

  fake_kernel_free (old);
  fake_kernel_free (fk);
}

GST_END_TEST;

/* stream 5: @clip (VP9, 320x240) decoded and drained by the daemon */
static void
decode_clip (FakeKernel * fk, TestClip * clip)
{
  guint i;

  fake_kernel_open_stream (fk, 5, V4L2_PIX_FMT_VP9, 320, 240);
  for (i = 0; i < clip->aus->len; i++)
    fake_kernel_decode (fk, 5, g_ptr_array_index (clip->aus, i), i == 0);
  fake_kernel_drain (fk, 5);
  fail_unless (fake_kernel_wait_drain_done (fk, 1, TIMEOUT_MS));
}

/* a whole run: serve a stream, reload on SIGHUP, stop on SIGTERM */
GST_START_TEST (test_run)
{
  const gchar *args[] = { "-v", NULL };
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  TestClip *clip = test_clip_new ("vp9enc deadline=1", N_FRAMES, 320, 240);
  GSubprocess *p;
  gchar *out_path;
  Run r;

  p = spawn (args, fk, &out_path);
  fail_unless (fake_kernel_wait_hello (fk, TIMEOUT_MS));
  decode_clip (fk, clip);
  fail_unless_equals_int (fake_kernel_count_frames (fk, 5), N_FRAMES);
  fake_kernel_close_stream (fk, 5);

  g_subprocess_send_signal (p, SIGHUP);
  fail_unless (wait_output (out_path, "Reloaded the configuration",
          TIMEOUT_MS));
  g_subprocess_send_signal (p, SIGTERM);
  finish (p, out_path, &r);
  fail_unless_equals_int (r.status, 0);
  assert_contains (r.out, "Connected to fd, decoding vp9 (vp9parse ! vp9dec)");
  assert_contains (r.out, "Stream 5 (vp9, 320x240): vp9parse ! vp9dec");
  assert_contains (r.out, "Stream 5 (vp9) ended.");
  assert_contains (r.out,
      "Reloaded the configuration, decoding vp9 (vp9parse ! vp9dec)");
  fail_unless_equals_int (fake_kernel_count_errors (fk, 5), 0);
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  run_clear (&r);
  fake_kernel_free (fk);
  test_clip_free (clip);
}

GST_END_TEST;

static void
assert_key (GKeyFile * kf, const gchar * group, const gchar * key,
    const gchar * expected)
{
  gchar *value = g_key_file_get_value (kf, group, key, NULL);

  fail_unless_equals_string (value, expected);
  g_free (value);
}

/* --status-file: the daemon and each stream's codec, size, template,
 * decoder and counters while it runs (daedalusctl status reads it); the
 * file goes with the daemon */
GST_START_TEST (test_status_file)
{
  gchar *status = g_strdup_printf ("%s/daedalusd-status-%d", g_get_tmp_dir (),
      getpid ());
  gchar *arg = g_strdup_printf ("--status-file=%s", status);
  const gchar *args[] = { arg, NULL };
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  TestClip *clip = test_clip_new ("vp9enc deadline=1", N_FRAMES, 320, 240);
  gint64 end = g_get_monotonic_time () + TIMEOUT_MS * (gint64) 1000;
  GKeyFile *kf = g_key_file_new ();
  GSubprocess *p;
  gchar *out_path;
  Run r;

  p = spawn (args, fk, &out_path);
  fail_unless (fake_kernel_wait_hello (fk, TIMEOUT_MS));
  decode_clip (fk, clip);
  /* rewritten once a second: until it has counted every frame */
  while (g_get_monotonic_time () < end &&
      !(g_key_file_load_from_file (kf, status, 0, NULL) &&
          g_key_file_get_uint64 (kf, "stream 5", "frames", NULL) ==
          N_FRAMES))
    g_usleep (50 * 1000);
  fail_unless_equals_int (g_key_file_get_uint64 (kf, "stream 5", "frames",
          NULL), N_FRAMES);
  fail_unless_equals_int (g_key_file_get_uint64 (kf, "daemon", "pid", NULL),
      atoi (g_subprocess_get_identifier (p)));
  assert_key (kf, "stream 5", "codec", "vp9");
  assert_key (kf, "stream 5", "size", "320x240");
  assert_key (kf, "stream 5", "template", "vp9parse ! vp9dec");
  assert_key (kf, "stream 5", "decoders", "vp9dec");
  fail_unless_equals_int (g_key_file_get_uint64 (kf, "stream 5",
          "access-units", NULL), clip->aus->len);

  fake_kernel_close_stream (fk, 5);
  while (g_get_monotonic_time () < end &&
      g_key_file_load_from_file (kf, status, 0, NULL) &&
      g_key_file_has_group (kf, "stream 5"))
    g_usleep (50 * 1000);
  fail_if (g_key_file_has_group (kf, "stream 5"), "stream 5 still listed");
  fail_unless_equals_int (g_key_file_get_uint64 (kf, "daemon", "streams",
          NULL), 0);

  g_subprocess_send_signal (p, SIGTERM);
  finish (p, out_path, &r);
  fail_unless_equals_int (r.status, 0);
  fail_if (g_file_test (status, G_FILE_TEST_EXISTS), "%s left behind", status);
  run_clear (&r);
  g_key_file_free (kf);
  fake_kernel_free (fk);
  test_clip_free (clip);
  g_free (arg);
  g_free (status);
}

GST_END_TEST;

/* SIGHUP with a configuration that enables a codec: the kernel is told
 * (HELLO again) and the codec's streams are served from then on */
GST_START_TEST (test_reload_enables_codec)
{
  gchar *path = write_config ("[decoders]\nh264=\n");
  const gchar *args[] = { "-c", path, NULL };
  static const guint32 offered[] = { V4L2_PIX_FMT_VP9, V4L2_PIX_FMT_H264 };
  FakeKernel *fk = fake_kernel_new_full (DAEDALUS_PROTO_MAJOR, 4, offered,
      G_N_ELEMENTS (offered));
  const struct daedalus_msg_hello *hello;
  GSubprocess *p;
  gchar *out_path;
  Run r;

  p = spawn (args, fk, &out_path);
  fail_unless (fake_kernel_wait_hello (fk, TIMEOUT_MS));
  hello = fake_kernel_get_hello (fk);
  fail_unless_equals_int (hello->num_codecs, 1);
  fail_unless_equals_int (hello->codecs[0], V4L2_PIX_FMT_VP9);

  fail_unless (g_file_set_contents (path, "# h264 back to the default\n", -1,
          NULL));
  g_subprocess_send_signal (p, SIGHUP);
  fail_unless (fake_kernel_wait_hellos (fk, 2, TIMEOUT_MS));
  fail_unless_equals_int (hello->num_codecs, 2);
  fail_unless_equals_int (hello->codecs[1], V4L2_PIX_FMT_H264);
  fail_unless (wait_output (out_path, "Reloaded the configuration",
          TIMEOUT_MS));

  g_subprocess_send_signal (p, SIGTERM);
  finish (p, out_path, &r);
  fail_unless_equals_int (r.status, 0);
  assert_contains (r.out, "Reloaded the configuration, decoding vp9 (");
  assert_contains (r.out, "h264 (");
  fail_unless_equals_int (fake_kernel_get_invalid (fk), 0);
  run_clear (&r);
  fake_kernel_free (fk);
  g_unlink (path);
  g_free (path);
}

GST_END_TEST;

/* A directory of links to every plugin of the system plugin
 * directories (those of $GST_PLUGIN_PATH_1_0 after ours, the first) but
 * @except. */
static gchar *
plugin_dir_without (const gchar * const *except)
{
  gchar **dirs = g_strsplit (g_getenv ("GST_PLUGIN_PATH_1_0"), ":", -1);
  gchar *tmp = g_dir_make_tmp ("daedalusd-cli-plugins-XXXXXX", NULL);
  guint i;

  fail_unless (tmp != NULL && dirs[0] && dirs[1]);
  for (i = 1; dirs[i]; i++) {
    GDir *dir = g_dir_open (dirs[i], 0, NULL);
    const gchar *name;

    while (dir && (name = g_dir_read_name (dir))) {
      gchar *target, *link;

      if (!g_str_has_suffix (name, ".so") ||
          g_strv_contains (except, name))
        continue;
      target = g_build_filename (dirs[i], name, NULL);
      link = g_build_filename (tmp, name, NULL);
      if (!g_file_test (link, G_FILE_TEST_EXISTS))
        fail_unless (symlink (target, link) == 0);
      g_free (target);
      g_free (link);
    }
    if (dir)
      g_dir_close (dir);
  }
  g_strfreev (dirs);
  return tmp;
}

static void
remove_dir (gchar * path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  while (dir && (name = g_dir_read_name (dir))) {
    gchar *f = g_build_filename (path, name, NULL);

    g_unlink (f);
    g_free (f);
  }
  if (dir)
    g_dir_close (dir);
  g_rmdir (path);
  g_free (path);
}

/* daedalusd connects with the registry cache as it is and updates it in
 * the background (issue 7: the update at init took up to a minute under
 * emulation): a VP9 decoder installed after the cache was written is
 * offered by a second HELLO.  With GST_REGISTRY_UPDATE set by the user,
 * GStreamer's own rule holds: "yes" updates before connecting. */
GST_START_TEST (test_registry_update_deferred)
{
  const gchar *no_vp9[] = { "libgstvpx.so", "libgstlibav.so", NULL };
  gchar *without = plugin_dir_without (no_vp9);
  gchar *vpx = g_dir_make_tmp ("daedalusd-cli-vpx-XXXXXX", NULL);
  gchar **dirs = g_strsplit (g_getenv ("GST_PLUGIN_PATH_1_0"), ":", -1);
  gchar *registry = g_build_filename (without, "registry.bin", NULL);
  gchar *before_path = g_strdup_printf ("GST_PLUGIN_PATH_1_0=%s:%s", dirs[0],
      without);
  gchar *after_path = g_strdup_printf ("GST_PLUGIN_PATH_1_0=%s:%s:%s",
      dirs[0], without, vpx);
  gchar *registry_env = g_strconcat ("GST_REGISTRY=", registry, NULL);
  const gchar *list[] = { "--list", NULL }, *none[] = { NULL };
  const gchar *env_before[] = { before_path, registry_env, NULL };
  const gchar *env_after[] = { after_path, registry_env, NULL };
  const gchar *env_yes[] = { after_path, registry_env,
    "GST_REGISTRY_UPDATE=yes", NULL
  };
  static const guint32 offered[] = { V4L2_PIX_FMT_VP9, V4L2_PIX_FMT_H264 };
  gchar *target, *link, *out_path;
  FakeKernel *fk;
  GSubprocess *p;
  Run r;

  /* the cache: written without any VP9 decoder */
  p = spawn_env (list, NULL, env_before, &out_path);
  finish (p, out_path, &r);
  fail_unless_equals_int (r.status, 0);
  assert_contains (r.out, "vp9    -\n       not usable");
  run_clear (&r);

  /* vp9dec is installed */
  target = g_build_filename (dirs[1], "libgstvpx.so", NULL);
  link = g_build_filename (vpx, "libgstvpx.so", NULL);
  fail_unless (symlink (target, link) == 0);

  fk = fake_kernel_new_full (DAEDALUS_PROTO_MAJOR, 4, offered,
      G_N_ELEMENTS (offered));
  p = spawn_env (none, fk, env_after, &out_path);
  fail_unless (fake_kernel_wait_hello (fk, TIMEOUT_MS));
  /* the first HELLO: the background update may have sent the second
   * already (it did, once, on a loaded machine) */
  fail_if (fake_kernel_first_hello_has (fk, V4L2_PIX_FMT_VP9));
  fail_unless (fake_kernel_first_hello_has (fk, V4L2_PIX_FMT_H264));
  fail_unless (fake_kernel_wait_hellos (fk, 2, TIMEOUT_MS));
  fail_unless (fake_kernel_hello_has (fk, V4L2_PIX_FMT_VP9));
  fail_unless (wait_output (out_path, "The plugin registry changed, "
          "decoding vp9 (vp9parse ! vp9dec)", TIMEOUT_MS));
  g_subprocess_send_signal (p, SIGTERM);
  finish (p, out_path, &r);
  fail_unless_equals_int (r.status, 0);
  run_clear (&r);
  fake_kernel_free (fk);

  /* the user's choice: the cache is updated before connecting */
  g_unlink (registry);
  p = spawn_env (list, NULL, env_before, &out_path);
  finish (p, out_path, &r);
  run_clear (&r);
  fk = fake_kernel_new_full (DAEDALUS_PROTO_MAJOR, 4, offered,
      G_N_ELEMENTS (offered));
  p = spawn_env (none, fk, env_yes, &out_path);
  fail_unless (fake_kernel_wait_hello (fk, TIMEOUT_MS));
  fail_unless (fake_kernel_hello_has (fk, V4L2_PIX_FMT_VP9));
  g_subprocess_send_signal (p, SIGTERM);
  finish (p, out_path, &r);
  fail_unless_equals_int (r.status, 0);
  run_clear (&r);
  fake_kernel_free (fk);

  g_unlink (link);
  g_free (link);
  g_free (target);
  g_free (registry_env);
  g_free (after_path);
  g_free (before_path);
  g_free (registry);
  g_strfreev (dirs);
  remove_dir (vpx);
  remove_dir (without);
}

GST_END_TEST;

/* the kernel goes away: exit 5; a stream still open was being served */
GST_START_TEST (test_lost_exit)
{
  const gchar *args[] = { NULL };
  FakeKernel *fk = fake_kernel_new (DAEDALUS_PROTO_MAJOR, 4);
  GSubprocess *p;
  gchar *out_path;
  Run r;

  p = spawn (args, fk, &out_path);
  fail_unless (fake_kernel_wait_hello (fk, TIMEOUT_MS));
  fake_kernel_open_stream (fk, 1, V4L2_PIX_FMT_VP9, 320, 240);
  g_usleep (G_USEC_PER_SEC / 5);
  fake_kernel_hang_up (fk);
  finish (p, out_path, &r);
  fail_unless_equals_int (r.status, 5);
  assert_contains (r.err, "was lost");
  run_clear (&r);
  fake_kernel_free (fk);
}

GST_END_TEST;

static void
setup (void)
{
  empty_config = write_config ("# nothing\n");
}

static void
teardown (void)
{
  g_unlink (empty_config);
  g_clear_pointer (&empty_config, g_free);
}

static Suite *
cli_suite (void)
{
  Suite *s = suite_create ("daedalusd-cli");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  if (!g_getenv ("DAEDALUSD"))
    return s;
  tcase_add_test (tc, test_list);
  tcase_add_test (tc, test_help);
  tcase_add_test (tc, test_codec_table);
  tcase_add_test (tc, test_no_plugin);
  tcase_add_test (tc, test_bad_template_exit);
  tcase_add_test (tc, test_no_device);
  tcase_add_test (tc, test_version_mismatch);
  tcase_add_test (tc, test_check);
  tcase_add_test (tc, test_status_file);
  tcase_add_test (tc, test_run);
  tcase_add_test (tc, test_reload_enables_codec);
  tcase_add_test (tc, test_registry_update_deferred);
  tcase_add_test (tc, test_lost_exit);
  return s;
}

GST_CHECK_MAIN (cli);
