/* Vulkan backend, part 2: pipelines (built once, persisted in a pipeline
 * cache), descriptor sets cached per (pipeline, bound ranges), dispatches
 * recorded as plain data with barriers only where a hazard exists, command
 * buffers recorded once per op sequence and resubmitted when the same
 * sequence comes again (same batch shape, same buffers), and optional
 * timestamp profiling. */
#include "vk-private.h"

#include <stdio.h>
#include <string.h>

/* ---- pipeline cache on disk, keyed by device and driver ---- */

static char *
pcache_path (VkBackend *vk)
{
  const char *env = g_getenv ("RALI_VULKAN_PIPELINE_CACHE");
  if (env && strcmp (env, "0") == 0)
    return NULL;
  g_autoptr (GString) uuid = g_string_new (NULL);
  for (guint i = 0; i < VK_UUID_SIZE; i++)
    g_string_append_printf (uuid, "%02x", vk->props.pipelineCacheUUID[i]);
  g_autofree char *name = g_strdup_printf ("vulkan-%04x-%04x-%08x-%s.bin", vk->props.vendorID,
                                           vk->props.deviceID, vk->props.driverVersion, uuid->str);
  return g_build_filename (g_get_user_cache_dir (), "rali-studio", name, NULL);
}

/* the data's own header must name this device, or the driver would have to
 * cope with foreign bytes (some do not) */
static gboolean
pcache_header_ok (VkBackend *vk, const guint8 *d, gsize n)
{
  if (n < 16 + VK_UUID_SIZE)
    return FALSE;
  guint32 len, ver, vendor, device;
  memcpy (&len, d, 4);
  memcpy (&ver, d + 4, 4);
  memcpy (&vendor, d + 8, 4);
  memcpy (&device, d + 12, 4);
  return len >= 16 + VK_UUID_SIZE && ver == VK_PIPELINE_CACHE_HEADER_VERSION_ONE && vendor == vk->props.vendorID &&
         device == vk->props.deviceID && memcmp (d + 16, vk->props.pipelineCacheUUID, VK_UUID_SIZE) == 0;
}

static gboolean
pcache_init (VkBackend *vk, GError **error)
{
  vk->pcache_path = pcache_path (vk);
  g_autofree char *data = NULL;
  gsize n = 0;
  if (vk->pcache_path && g_file_get_contents (vk->pcache_path, &data, &n, NULL) &&
      !pcache_header_ok (vk, (const guint8 *) data, n))
    n = 0;
  VkPipelineCacheCreateInfo ci = {
    .sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO,
    .initialDataSize = n,
    .pInitialData = n ? data : NULL,
  };
  vk->pcache_loaded_size = n;
  return VK_CHECK (vk->fn.vkCreatePipelineCache (vk->dev, &ci, NULL, &vk->pcache), error);
}

static void
pcache_save (VkBackend *vk)
{
  size_t n = 0;
  if (!vk->pcache_path || vk->fn.vkGetPipelineCacheData (vk->dev, vk->pcache, &n, NULL) != VK_SUCCESS ||
      n == 0 || n == vk->pcache_loaded_size)
    return;
  g_autofree char *data = g_malloc (n);
  if (vk->fn.vkGetPipelineCacheData (vk->dev, vk->pcache, &n, data) != VK_SUCCESS)
    return;
  g_autofree char *dir = g_path_get_dirname (vk->pcache_path);
  g_autoptr (GError) err = NULL;
  if (g_mkdir_with_parents (dir, 0700) != 0 || !g_file_set_contents (vk->pcache_path, data, n, &err))
    g_debug ("vulkan: pipeline cache not saved to %s: %s", vk->pcache_path, err ? err->message : g_strerror (errno));
}

/* ---- pipelines ---- */

static gboolean
make_pipe (VkBackend *vk, Pipe *p, RaliSpvId spv, guint n_bindings, guint push_size, GError **error)
{
  const RaliSpv *code = rali_spv_get (spv);
  p->n_bindings = n_bindings;
  p->push_size = push_size;
  VkDescriptorSetLayoutBinding b[RALI_VK_MAX_BINDINGS];
  for (guint i = 0; i < n_bindings; i++)
    b[i] = (VkDescriptorSetLayoutBinding) {
      .binding = i,
      .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
      .descriptorCount = 1,
      .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
    };
  VkDescriptorSetLayoutCreateInfo sci = {
    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
    .bindingCount = n_bindings,
    .pBindings = b,
  };
  VkPushConstantRange range = { VK_SHADER_STAGE_COMPUTE_BIT, 0, push_size };
  VkPipelineLayoutCreateInfo lci = {
    .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
    .setLayoutCount = 1,
    .pSetLayouts = &p->set_layout,
    .pushConstantRangeCount = 1,
    .pPushConstantRanges = &range,
  };
  VkShaderModuleCreateInfo mci = {
    .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
    .codeSize = code->size,
    .pCode = code->code,
  };
  VkSpecializationMapEntry map[RALI_VK_MAX_SPEC];
  for (guint i = 0; i < p->n_spec; i++)
    map[i] = (VkSpecializationMapEntry) { i, i * 4, 4 };
  VkSpecializationInfo spec = { p->n_spec, map, p->n_spec * 4, p->spec };
  VkShaderModule module = VK_NULL_HANDLE;
  gboolean ok = VK_CHECK (vk->fn.vkCreateDescriptorSetLayout (vk->dev, &sci, NULL, &p->set_layout), error) &&
                VK_CHECK (vk->fn.vkCreatePipelineLayout (vk->dev, &lci, NULL, &p->layout), error) &&
                VK_CHECK (vk->fn.vkCreateShaderModule (vk->dev, &mci, NULL, &module), error);
  if (ok)
    {
      VkComputePipelineCreateInfo pci = {
        .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
        .stage = {
          .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
          .stage = VK_SHADER_STAGE_COMPUTE_BIT,
          .module = module,
          .pName = "main",
          .pSpecializationInfo = &spec,
        },
        .layout = p->layout,
      };
      ok = VK_CHECK (vk->fn.vkCreateComputePipelines (vk->dev, vk->pcache, 1, &pci, NULL, &p->pipeline), error);
    }
  if (module)
    vk->fn.vkDestroyShaderModule (vk->dev, module, NULL);
  if (!ok)
    {
      if (p->layout)
        vk->fn.vkDestroyPipelineLayout (vk->dev, p->layout, NULL);
      if (p->set_layout)
        vk->fn.vkDestroyDescriptorSetLayout (vk->dev, p->set_layout, NULL);
      p->layout = VK_NULL_HANDLE;
      p->set_layout = VK_NULL_HANDLE;
      g_prefix_error (error, "pipeline %s: ", p->name);
    }
  return ok;
}

static gsize
gemm_shared_bytes (guint32 bm, guint32 bn, guint32 bk)
{
  return (gsize) bk * (bm + 1 + bn + 1) * 4;
}

/* tile sizes and workgroup sizes from the limits, never assumed */
static void
choose_tuning (VkBackend *vk)
{
  const VkPhysicalDeviceLimits *l = &vk->props.limits;
  guint32 max_wg = MIN (l->maxComputeWorkGroupInvocations, l->maxComputeWorkGroupSize[0]);
  Tuning *t = &vk->tune;
  static const guint32 gemm[][5] = {
    /* bm  bn  bk  tm  tn */
    { 128, 128, 8, 8, 8 }, /* CPU-type devices only: fewer, larger per-lane loads (lavapipe 2.2× faster) */
    { 64, 64, 16, 4, 4 },
    { 32, 32, 16, 2, 2 },
    { 32, 32, 8, 4, 4 },
    { 16, 16, 8, 2, 2 },
    { 8, 8, 4, 1, 1 },
  };
  gboolean cpu = vk->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
  for (gsize i = cpu ? 0 : 1; i < G_N_ELEMENTS (gemm); i++)
    {
      const guint32 *g = gemm[i];
      guint32 wg = (g[0] / g[3]) * (g[1] / g[4]);
      if (wg <= max_wg && gemm_shared_bytes (g[0], g[1], g[2]) <= l->maxComputeSharedMemorySize)
        {
          t->bm = g[0], t->bn = g[1], t->bk = g[2], t->tm = g[3], t->tn = g[4], t->wg_gemm = wg;
          break;
        }
    }
  /* RALI_VULKAN_GEMM_TILE=bm,bn,bk,tm,tn: a tuning knob, taken when it fits */
  const char *env = g_getenv ("RALI_VULKAN_GEMM_TILE");
  guint32 g[5];
  if (env && sscanf (env, "%u,%u,%u,%u,%u", &g[0], &g[1], &g[2], &g[3], &g[4]) == 5 && g[3] && g[4] &&
      g[0] % g[3] == 0 && g[1] % g[4] == 0 && (g[0] / g[3]) * (g[1] / g[4]) <= max_wg &&
      gemm_shared_bytes (g[0], g[1], g[2]) <= l->maxComputeSharedMemorySize)
    t->bm = g[0], t->bn = g[1], t->bk = g[2], t->tm = g[3], t->tn = g[4], t->wg_gemm = (g[0] / g[3]) * (g[1] / g[4]);
  t->wg_flat = MIN (256, max_wg);
  t->wg_rows = MIN (256, MIN (max_wg, l->maxComputeSharedMemorySize / 4));
  t->wg_attn = MIN (128, max_wg);
}

gboolean
rali_vk_pipelines_init (VkBackend *vk, GError **error)
{
  choose_tuning (vk);
  const Tuning *t = &vk->tune;
  if (t->wg_gemm == 0)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_UNSUPPORTED, "vulkan: %s: no GEMM tiling fits %u invocations "
                   "and %u bytes of shared memory", vk->props.deviceName,
                   vk->props.limits.maxComputeWorkGroupInvocations, vk->props.limits.maxComputeSharedMemorySize);
      return FALSE;
    }
  if (!pcache_init (vk, error))
    return FALSE;
  vk->pipes = g_array_new (FALSE, TRUE, sizeof (Pipe));
  g_array_set_size (vk->pipes, PIPE_FIXED_COUNT);
  struct {
    PipeId id;
    RaliSpvId spv;
    const char *name;
    guint n_bindings, push_size, n_spec;
    guint32 spec[RALI_VK_MAX_SPEC];
  } defs[] = {
    { PIPE_GEMM, RALI_SPV_GEMM, "gemm", 4, 36, 6, { t->wg_gemm, t->bm, t->bn, t->bk, t->tm, t->tn } },
    { PIPE_GEMM_F16, RALI_SPV_GEMM_F16, "gemm_f16", 4, 36, 6, { t->wg_gemm, t->bm, t->bn, t->bk, t->tm, t->tn } },
    { PIPE_LAYERNORM, RALI_SPV_LAYERNORM, "layernorm", 4, 28, 1, { t->wg_rows } },
    { PIPE_ACTIVATION, RALI_SPV_ACTIVATION, "activation", 1, 12, 1, { t->wg_flat } },
    { PIPE_ADD, RALI_SPV_ADD, "add", 2, 12, 1, { t->wg_flat } },
    { PIPE_IM2COL, RALI_SPV_IM2COL, "im2col", 2, 20, 1, { t->wg_flat } },
    { PIPE_CONV_IM2COL, RALI_SPV_CONV_IM2COL, "conv_im2col", 2, 52, 1, { t->wg_flat } },
    { PIPE_EMBED_TOKENS, RALI_SPV_EMBED_TOKENS, "embed_tokens", 4, 28, 1, { t->wg_flat } },
    { PIPE_TAKE_CLASS, RALI_SPV_TAKE_CLASS, "take_class", 2, 20, 1, { t->wg_flat } },
    { PIPE_F16_TO_F32, RALI_SPV_F16_TO_F32, "f16_to_f32", 2, 12, 1, { t->wg_flat } },
    { PIPE_L2NORM, RALI_SPV_L2NORM, "l2norm", 2, 16, 1, { t->wg_rows } },
    { PIPE_DWCONV3X3, RALI_SPV_DWCONV3X3, "dwconv3x3", 4, 60, 1, { t->wg_flat } },
    { PIPE_AVGPOOL, RALI_SPV_AVGPOOL, "avgpool", 2, 24, 1, { t->wg_flat } },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (defs); i++)
    {
      Pipe *p = &g_array_index (vk->pipes, Pipe, defs[i].id);
      p->name = defs[i].name;
      p->n_spec = defs[i].n_spec;
      memcpy (p->spec, defs[i].spec, sizeof p->spec);
      /* fp16 variants need the feature enabled at device creation */
      if ((defs[i].id == PIPE_GEMM_F16 || defs[i].id == PIPE_F16_TO_F32) && !vk->fp16)
        continue;
      if (!make_pipe (vk, p, defs[i].spv, defs[i].n_bindings, defs[i].push_size, error))
        return FALSE;
    }
  vk->dsets = g_hash_table_new_full (g_bytes_hash, g_bytes_equal, (GDestroyNotify) g_bytes_unref, g_free);
  vk->dpools = g_ptr_array_new ();
  vk->pending = g_array_new (FALSE, FALSE, sizeof (Dispatch));
  vk->written = g_array_new (FALSE, FALSE, sizeof (guint64));
  vk->read = g_array_new (FALSE, FALSE, sizeof (guint64));
  vk->prof_ns = g_array_new (FALSE, TRUE, sizeof (double));
  vk->prof_count = g_array_new (FALSE, TRUE, sizeof (guint64));
  return TRUE;
}

static gsize
attention_shared_bytes (guint32 bq, guint32 bkv, guint32 dh)
{
  return 4 * ((gsize) 2 * bq * dh + (gsize) 2 * bkv * dh + (gsize) bq * bkv + 3 * (gsize) bq);
}

const Pipe *
rali_vk_attention_pipe (VkBackend *vk, guint32 Dh, guint32 *bq_out, GError **error)
{
  for (guint i = PIPE_FIXED_COUNT; i < vk->pipes->len; i++)
    {
      Pipe *p = &g_array_index (vk->pipes, Pipe, i);
      if (p->spec[3] == Dh)
        {
          *bq_out = p->spec[1];
          return p;
        }
    }
  /* the biggest query and key blocks that fit in shared memory */
  guint32 bq = 32, bkv = 32;
  while (attention_shared_bytes (bq, bkv, Dh) > vk->props.limits.maxComputeSharedMemorySize && bq > 0)
    {
      if (bkv >= bq && bkv > 1)
        bkv /= 2;
      else
        bq /= 2;
    }
  if (bq == 0)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_UNSUPPORTED, "vulkan: head dim %u does not fit in %u bytes "
                   "of shared memory", Dh, vk->props.limits.maxComputeSharedMemorySize);
      return NULL;
    }
  Pipe p = { .name = "attention", .n_spec = 4, .spec = { vk->tune.wg_attn, bq, bkv, Dh } };
  if (!make_pipe (vk, &p, RALI_SPV_ATTENTION, 4, 36, error))
    return NULL;
  g_array_append_val (vk->pipes, p);
  *bq_out = bq;
  return &g_array_index (vk->pipes, Pipe, vk->pipes->len - 1);
}

/* ---- descriptor sets, cached per (pipeline, ranges) ---- */

typedef struct {
  guint32 pipe, n;
  BindKey keys[RALI_VK_MAX_BINDINGS];
} DsetKey;

typedef struct {
  VkDescriptorSet set;
  VkDescriptorPool pool;
} DsetVal;

static VkDescriptorPool
new_pool (VkBackend *vk, GError **error)
{
  VkDescriptorPoolSize size = { VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 256 * RALI_VK_MAX_BINDINGS };
  VkDescriptorPoolCreateInfo ci = {
    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
    .flags = VK_DESCRIPTOR_POOL_CREATE_FREE_DESCRIPTOR_SET_BIT,
    .maxSets = 256,
    .poolSizeCount = 1,
    .pPoolSizes = &size,
  };
  VkDescriptorPool pool = VK_NULL_HANDLE;
  if (!VK_CHECK (vk->fn.vkCreateDescriptorPool (vk->dev, &ci, NULL, &pool), error))
    return VK_NULL_HANDLE;
  g_ptr_array_add (vk->dpools, pool);
  return pool;
}

static VkDescriptorSet
dset_get (VkBackend *vk, guint pipe_index, const BindKey *keys, GError **error)
{
  const Pipe *p = &g_array_index (vk->pipes, Pipe, pipe_index);
  DsetKey k;
  memset (&k, 0, sizeof k);
  k.pipe = pipe_index;
  k.n = p->n_bindings;
  memcpy (k.keys, keys, p->n_bindings * sizeof *keys);
  g_autoptr (GBytes) key = g_bytes_new (&k, sizeof k);
  DsetVal *v = g_hash_table_lookup (vk->dsets, key);
  if (v)
    return v->set;

  VkDescriptorSetAllocateInfo ai = {
    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
    .descriptorSetCount = 1,
    .pSetLayouts = &p->set_layout,
  };
  VkDescriptorSet set = VK_NULL_HANDLE;
  VkResult r = VK_ERROR_OUT_OF_POOL_MEMORY;
  if (vk->dpools->len)
    {
      ai.descriptorPool = g_ptr_array_index (vk->dpools, vk->dpools->len - 1);
      r = vk->fn.vkAllocateDescriptorSets (vk->dev, &ai, &set);
    }
  if (r == VK_ERROR_OUT_OF_POOL_MEMORY || r == VK_ERROR_FRAGMENTED_POOL)
    {
      if (!(ai.descriptorPool = new_pool (vk, error)))
        return VK_NULL_HANDLE;
      r = vk->fn.vkAllocateDescriptorSets (vk->dev, &ai, &set);
    }
  if (!VK_CHECK (r, error))
    return VK_NULL_HANDLE;

  VkDescriptorBufferInfo info[RALI_VK_MAX_BINDINGS];
  VkWriteDescriptorSet w[RALI_VK_MAX_BINDINGS];
  for (guint i = 0; i < p->n_bindings; i++)
    {
      info[i] = (VkDescriptorBufferInfo) { keys[i].buffer, keys[i].offset, keys[i].range };
      w[i] = (VkWriteDescriptorSet) {
        .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
        .dstSet = set,
        .dstBinding = i,
        .descriptorCount = 1,
        .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
        .pBufferInfo = &info[i],
      };
    }
  vk->fn.vkUpdateDescriptorSets (vk->dev, p->n_bindings, w, 0, NULL);
  v = g_new (DsetVal, 1);
  v->set = set;
  v->pool = ai.descriptorPool;
  g_hash_table_insert (vk->dsets, g_steal_pointer (&key), v);
  return set;
}

/* ---- command buffers, cached per op sequence ---- */

typedef struct {
  guint n;
  Dispatch *ops;
  guint hash;
  VkCommandBuffer cb;
  VkQueryPool queries; /* 2 per dispatch when profiling */
} CbEntry;

static guint
ops_hash (const Dispatch *ops, guint n)
{
  const guint8 *p = (const guint8 *) ops;
  guint32 h = 2166136261u;
  for (gsize i = 0; i < n * sizeof *ops; i++)
    h = (h ^ p[i]) * 16777619u;
  return h;
}

static guint
cb_entry_hash (gconstpointer a)
{
  return ((const CbEntry *) a)->hash;
}

static gboolean
cb_entry_equal (gconstpointer a, gconstpointer b)
{
  const CbEntry *x = a, *y = b;
  return x->n == y->n && memcmp (x->ops, y->ops, x->n * sizeof *x->ops) == 0;
}

static void
cb_cache_clear (VkBackend *vk)
{
  if (!vk->cb_cache)
    return;
  GHashTableIter it;
  CbEntry *e;
  g_hash_table_iter_init (&it, vk->cb_cache);
  while (g_hash_table_iter_next (&it, (gpointer *) &e, NULL))
    {
      vk->fn.vkFreeCommandBuffers (vk->dev, vk->cmd_pool, 1, &e->cb);
      if (e->queries)
        vk->fn.vkDestroyQueryPool (vk->dev, e->queries, NULL);
      g_free (e->ops);
      g_free (e);
    }
  g_hash_table_remove_all (vk->cb_cache);
}

void
rali_vk_set_deferred (VkBackend *vk, GError *error)
{
  if (vk->deferred)
    g_error_free (error);
  else
    vk->deferred = error;
}

static gboolean
contains (GArray *ids, guint64 id)
{
  for (guint i = 0; i < ids->len; i++)
    if (g_array_index (ids, guint64, i) == id)
      return TRUE;
  return FALSE;
}

void
rali_vk_dispatch (VkBackend *vk, guint pipe_index, const BindKey *keys, guint32 writes,
                  const void *push, guint push_size, guint32 gx, guint32 gy, guint32 gz)
{
  if (vk->deferred || gx == 0 || gy == 0 || gz == 0)
    return;
  const Pipe *p = &g_array_index (vk->pipes, Pipe, pipe_index);
  g_assert (push_size == p->push_size && p->pipeline);
  GError *err = NULL;
  VkDescriptorSet set = dset_get (vk, pipe_index, keys, &err);
  if (!set)
    {
      rali_vk_set_deferred (vk, err);
      return;
    }
  /* a barrier only where this dispatch reads or writes what an earlier one
   * since the last barrier wrote, or writes what one read (q, k and v
   * projections, say, run without one between them) */
  gboolean barrier = FALSE;
  for (guint i = 0; i < p->n_bindings; i++)
    if (contains (vk->written, keys[i].buf_id) || ((writes >> i) & 1 && contains (vk->read, keys[i].buf_id)))
      barrier = TRUE;
  if (barrier)
    {
      g_array_set_size (vk->written, 0);
      g_array_set_size (vk->read, 0);
    }
  for (guint i = 0; i < p->n_bindings; i++)
    g_array_append_val ((writes >> i) & 1 ? vk->written : vk->read, keys[i].buf_id);

  Dispatch d;
  memset (&d, 0, sizeof d);
  d.pipeline = p->pipeline;
  d.layout = p->layout;
  d.set = set;
  d.groups[0] = gx, d.groups[1] = gy, d.groups[2] = gz;
  d.push_size = push_size;
  memcpy (d.push, push, push_size);
  d.barrier = barrier;
  d.pipe_index = pipe_index;
  g_array_append_val (vk->pending, d);
}

static void
memory_barrier (VkBackend *vk, VkCommandBuffer cb, VkPipelineStageFlags src_stage, VkAccessFlags src,
                VkPipelineStageFlags dst_stage, VkAccessFlags dst)
{
  VkMemoryBarrier mb = { .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER, .srcAccessMask = src, .dstAccessMask = dst };
  vk->fn.vkCmdPipelineBarrier (cb, src_stage, dst_stage, 0, 1, &mb, 0, NULL, 0, NULL);
}

static gboolean
record (VkBackend *vk, CbEntry *e, GError **error)
{
  VkCommandBufferAllocateInfo ai = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
    .commandPool = vk->cmd_pool,
    .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
    .commandBufferCount = 1,
  };
  if (!VK_CHECK (vk->fn.vkAllocateCommandBuffers (vk->dev, &ai, &e->cb), error))
    return FALSE;
  if (vk->profile)
    {
      VkQueryPoolCreateInfo qi = {
        .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
        .queryType = VK_QUERY_TYPE_TIMESTAMP,
        .queryCount = 2 * e->n,
      };
      if (!VK_CHECK (vk->fn.vkCreateQueryPool (vk->dev, &qi, NULL, &e->queries), error))
        return FALSE;
    }
  VkCommandBufferBeginInfo bi = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO };
  VkCommandBuffer cb = e->cb;
  if (!VK_CHECK (vk->fn.vkBeginCommandBuffer (cb, &bi), error))
    return FALSE;
  if (e->queries)
    vk->fn.vkCmdResetQueryPool (cb, e->queries, 0, 2 * e->n);
  /* what earlier submissions (ops, staging copies) wrote is visible here */
  memory_barrier (vk, cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                  VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
                  VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
  VkPipeline bound = VK_NULL_HANDLE;
  for (guint i = 0; i < e->n; i++)
    {
      const Dispatch *d = &e->ops[i];
      if (d->barrier)
        memory_barrier (vk, cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_SHADER_READ_BIT,
                        VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
      if (d->pipeline != bound)
        vk->fn.vkCmdBindPipeline (cb, VK_PIPELINE_BIND_POINT_COMPUTE, bound = d->pipeline);
      vk->fn.vkCmdBindDescriptorSets (cb, VK_PIPELINE_BIND_POINT_COMPUTE, d->layout, 0, 1, &d->set, 0, NULL);
      vk->fn.vkCmdPushConstants (cb, d->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, d->push_size, d->push);
      if (e->queries)
        vk->fn.vkCmdWriteTimestamp (cb, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, e->queries, 2 * i);
      vk->fn.vkCmdDispatch (cb, d->groups[0], d->groups[1], d->groups[2]);
      if (e->queries)
        vk->fn.vkCmdWriteTimestamp (cb, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, e->queries, 2 * i + 1);
    }
  /* results readable through mapped memory after the fence */
  memory_barrier (vk, cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                  VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
  return VK_CHECK (vk->fn.vkEndCommandBuffer (cb), error);
}

static void
accumulate_profile (VkBackend *vk, CbEntry *e)
{
  g_autofree guint64 *ts = g_new (guint64, 2 * e->n);
  if (vk->fn.vkGetQueryPoolResults (vk->dev, e->queries, 0, 2 * e->n, 2 * e->n * sizeof (guint64), ts,
                                    sizeof (guint64), VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT) != VK_SUCCESS)
    return;
  guint64 mask = vk->timestamp_bits >= 64 ? G_MAXUINT64 : ((guint64) 1 << vk->timestamp_bits) - 1;
  if (vk->prof_ns->len < vk->pipes->len)
    {
      g_array_set_size (vk->prof_ns, vk->pipes->len);
      g_array_set_size (vk->prof_count, vk->pipes->len);
    }
  for (guint i = 0; i < e->n; i++)
    {
      guint64 dt = (ts[2 * i + 1] - ts[2 * i]) & mask;
      g_array_index (vk->prof_ns, double, e->ops[i].pipe_index) += dt * (double) vk->props.limits.timestampPeriod;
      g_array_index (vk->prof_count, guint64, e->ops[i].pipe_index)++;
    }
}

static void
reset_pending (VkBackend *vk)
{
  g_array_set_size (vk->pending, 0);
  g_array_set_size (vk->written, 0);
  g_array_set_size (vk->read, 0);
}

gboolean
rali_vk_flush (VkBackend *vk, GError **error)
{
  if (vk->deferred)
    {
      g_propagate_error (error, g_steal_pointer (&vk->deferred));
      reset_pending (vk);
      return FALSE;
    }
  if (vk->pending->len)
    {
      if (!vk->cb_cache)
        vk->cb_cache = g_hash_table_new (cb_entry_hash, cb_entry_equal);
      CbEntry probe = { vk->pending->len, (Dispatch *) vk->pending->data, 0, VK_NULL_HANDLE, VK_NULL_HANDLE };
      probe.hash = ops_hash (probe.ops, probe.n);
      CbEntry *e = g_hash_table_lookup (vk->cb_cache, &probe);
      if (e)
        vk->cb_cache_hits++;
      else
        {
          vk->cb_cache_misses++;
          if (g_hash_table_size (vk->cb_cache) >= 32)
            cb_cache_clear (vk);
          e = g_new0 (CbEntry, 1);
          e->n = probe.n;
          e->hash = probe.hash;
          e->ops = g_memdup2 (probe.ops, probe.n * sizeof *probe.ops);
          g_hash_table_add (vk->cb_cache, e);
          if (!record (vk, e, error))
            {
              reset_pending (vk);
              cb_cache_clear (vk); /* frees e with whatever it holds */
              return FALSE;
            }
        }
      reset_pending (vk);
      if (!rali_vk_submit_wait (vk, e->cb, error))
        return FALSE;
      if (e->queries)
        accumulate_profile (vk, e);
    }
  guint seen = rali_vk_validation_errors ();
  if (vk->validate && seen != vk->validation_seen)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_BACKEND, "vulkan: %u validation error(s), see stderr",
                   seen - vk->validation_seen);
      vk->validation_seen = seen;
      return FALSE;
    }
  return TRUE;
}

void
rali_vk_forget_buffer (VkBackend *vk, guint64 buf_id)
{
  cb_cache_clear (vk);
  if (!vk->dsets)
    return;
  GHashTableIter it;
  GBytes *key;
  DsetVal *v;
  g_hash_table_iter_init (&it, vk->dsets);
  while (g_hash_table_iter_next (&it, (gpointer *) &key, (gpointer *) &v))
    {
      const DsetKey *k = g_bytes_get_data (key, NULL);
      for (guint i = 0; i < k->n; i++)
        if (k->keys[i].buf_id == buf_id)
          {
            vk->fn.vkFreeDescriptorSets (vk->dev, v->pool, 1, &v->set);
            g_hash_table_iter_remove (&it);
            break;
          }
    }
}

void
rali_vk_print_profile (VkBackend *vk)
{
  if (!vk->profile || !vk->prof_ns)
    return;
  double total = 0;
  for (guint i = 0; i < vk->prof_ns->len; i++)
    total += g_array_index (vk->prof_ns, double, i);
  fprintf (stderr, "rali: Vulkan profile on %s (GPU time per op; command buffers: %u recorded, %u reused)\n",
           vk->props.deviceName, vk->cb_cache_misses, vk->cb_cache_hits);
  fprintf (stderr, "  %-22s %8s %12s %12s %6s\n", "op", "count", "total ms", "mean us", "%");
  for (guint i = 0; i < vk->prof_ns->len; i++)
    {
      guint64 n = g_array_index (vk->prof_count, guint64, i);
      double ns = g_array_index (vk->prof_ns, double, i);
      if (!n)
        continue;
      const Pipe *p = &g_array_index (vk->pipes, Pipe, i);
      g_autofree char *name = i >= PIPE_FIXED_COUNT ? g_strdup_printf ("%s (Dh=%u)", p->name, p->spec[3])
                                                     : g_strdup (p->name);
      fprintf (stderr, "  %-22s %8" G_GUINT64_FORMAT " %12.3f %12.1f %5.1f%%\n", name, n, ns / 1e6,
               ns / 1e3 / (double) n, total > 0 ? 100.0 * ns / total : 0.0);
    }
  fprintf (stderr, "  %-22s %8s %12.3f\n", "total", "", total / 1e6);
}

void
rali_vk_exec_free (VkBackend *vk)
{
  if (!vk->dev)
    return;
  cb_cache_clear (vk);
  g_clear_pointer (&vk->cb_cache, g_hash_table_destroy);
  g_clear_pointer (&vk->dsets, g_hash_table_destroy);
  if (vk->dpools)
    for (guint i = 0; i < vk->dpools->len; i++)
      vk->fn.vkDestroyDescriptorPool (vk->dev, g_ptr_array_index (vk->dpools, i), NULL);
  g_clear_pointer (&vk->dpools, g_ptr_array_unref);
  if (vk->pipes)
    for (guint i = 0; i < vk->pipes->len; i++)
      {
        Pipe *p = &g_array_index (vk->pipes, Pipe, i);
        if (p->pipeline)
          vk->fn.vkDestroyPipeline (vk->dev, p->pipeline, NULL);
        if (p->layout)
          vk->fn.vkDestroyPipelineLayout (vk->dev, p->layout, NULL);
        if (p->set_layout)
          vk->fn.vkDestroyDescriptorSetLayout (vk->dev, p->set_layout, NULL);
      }
  g_clear_pointer (&vk->pipes, g_array_unref);
  if (vk->pcache)
    {
      pcache_save (vk);
      vk->fn.vkDestroyPipelineCache (vk->dev, vk->pcache, NULL);
    }
  g_clear_pointer (&vk->pcache_path, g_free);
  g_clear_pointer (&vk->pending, g_array_unref);
  g_clear_pointer (&vk->written, g_array_unref);
  g_clear_pointer (&vk->read, g_array_unref);
  g_clear_pointer (&vk->prof_ns, g_array_unref);
  g_clear_pointer (&vk->prof_count, g_array_unref);
  g_clear_error (&vk->deferred);
}
