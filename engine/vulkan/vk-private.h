/* Vulkan backend internals shared by vk-device.c (loader, instance, device,
 * memory), vk-exec.c (pipelines, descriptor sets, recording, submission,
 * profiling) and vk-ops.c (one small host function per op, the
 * RaliBackendOps table).  Not installed. */
#pragma once

#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include "nn/backend.h"
#include "spirv.h"

/* ---- the loader: libvulkan.so.1 is dlopen()ed, never linked ---- */

#define RALI_VK_GLOBAL_FNS(X) \
  X (vkCreateInstance) \
  X (vkEnumerateInstanceVersion) \
  X (vkEnumerateInstanceLayerProperties) \
  X (vkEnumerateInstanceExtensionProperties)

#define RALI_VK_INSTANCE_FNS(X) \
  X (vkDestroyInstance) \
  X (vkEnumeratePhysicalDevices) \
  X (vkGetPhysicalDeviceProperties) \
  X (vkGetPhysicalDeviceProperties2) \
  X (vkGetPhysicalDeviceFeatures2) \
  X (vkGetPhysicalDeviceQueueFamilyProperties) \
  X (vkGetPhysicalDeviceMemoryProperties) \
  X (vkCreateDevice) \
  X (vkGetDeviceProcAddr)

#define RALI_VK_DEVICE_FNS(X) \
  X (vkDestroyDevice) \
  X (vkGetDeviceQueue) \
  X (vkCreateBuffer) \
  X (vkDestroyBuffer) \
  X (vkGetBufferMemoryRequirements) \
  X (vkAllocateMemory) \
  X (vkFreeMemory) \
  X (vkBindBufferMemory) \
  X (vkMapMemory) \
  X (vkUnmapMemory) \
  X (vkCreateShaderModule) \
  X (vkDestroyShaderModule) \
  X (vkCreateDescriptorSetLayout) \
  X (vkDestroyDescriptorSetLayout) \
  X (vkCreatePipelineLayout) \
  X (vkDestroyPipelineLayout) \
  X (vkCreateComputePipelines) \
  X (vkDestroyPipeline) \
  X (vkCreatePipelineCache) \
  X (vkDestroyPipelineCache) \
  X (vkGetPipelineCacheData) \
  X (vkCreateDescriptorPool) \
  X (vkDestroyDescriptorPool) \
  X (vkAllocateDescriptorSets) \
  X (vkFreeDescriptorSets) \
  X (vkUpdateDescriptorSets) \
  X (vkCreateCommandPool) \
  X (vkDestroyCommandPool) \
  X (vkAllocateCommandBuffers) \
  X (vkFreeCommandBuffers) \
  X (vkBeginCommandBuffer) \
  X (vkEndCommandBuffer) \
  X (vkCmdBindPipeline) \
  X (vkCmdBindDescriptorSets) \
  X (vkCmdPushConstants) \
  X (vkCmdDispatch) \
  X (vkCmdPipelineBarrier) \
  X (vkCmdCopyBuffer) \
  X (vkCmdResetQueryPool) \
  X (vkCmdWriteTimestamp) \
  X (vkCreateQueryPool) \
  X (vkDestroyQueryPool) \
  X (vkGetQueryPoolResults) \
  X (vkCreateFence) \
  X (vkDestroyFence) \
  X (vkResetFences) \
  X (vkWaitForFences) \
  X (vkQueueSubmit) \
  X (vkDeviceWaitIdle)

#define RALI_VK_FN_FIELD(name) PFN_##name name;

typedef struct {
  PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr;
  RALI_VK_GLOBAL_FNS (RALI_VK_FN_FIELD)
  RALI_VK_INSTANCE_FNS (RALI_VK_FN_FIELD)
  RALI_VK_DEVICE_FNS (RALI_VK_FN_FIELD)
  /* VK_EXT_debug_utils, only when validating */
  PFN_vkCreateDebugUtilsMessengerEXT vkCreateDebugUtilsMessengerEXT;
  PFN_vkDestroyDebugUtilsMessengerEXT vkDestroyDebugUtilsMessengerEXT;
} VkFns;

/* Records the failing call with file:line into *error; never aborts. */
gboolean rali_vk_check (VkResult r, const char *what, const char *file, int line, GError **error);
#define VK_CHECK(call, error) rali_vk_check ((call), #call, __FILE__, __LINE__, (error))
const char *rali_vk_result_string (VkResult r);

/* ---- buffers ---- */

struct _RaliBuf {
  guint64 id;            /* unique for the backend's life: caches key on it */
  VkBuffer buffer;
  VkDeviceMemory memory;
  void *mapped;          /* non-NULL when host-visible and coherent */
  gsize n;               /* elements */
  guint esize;           /* bytes per element: 4 (f32) or 2 (f16 weights) */
  gboolean weight;       /* written only by upload, never by ops */
  RaliBuf *f32_view;     /* for f16 weights: fp32 copy made once on first non-GEMM use */
};

/* ---- pipelines ---- */

typedef enum {
  PIPE_GEMM,
  PIPE_GEMM_F16,
  PIPE_LAYERNORM,
  PIPE_ACTIVATION,
  PIPE_ADD,
  PIPE_IM2COL,
  PIPE_CONV_IM2COL,
  PIPE_EMBED_TOKENS,
  PIPE_TAKE_CLASS,
  PIPE_F16_TO_F32,
  PIPE_L2NORM,
  PIPE_DWCONV3X3,
  PIPE_AVGPOOL,
  PIPE_FIXED_COUNT,      /* attention pipelines follow, one per head dim */
} PipeId;

#define RALI_VK_MAX_BINDINGS 4
#define RALI_VK_MAX_PUSH 64
#define RALI_VK_MAX_SPEC 6

typedef struct {
  const char *name;      /* op name for errors and profiling */
  VkPipeline pipeline;
  VkPipelineLayout layout;
  VkDescriptorSetLayout set_layout;
  guint n_bindings;
  guint push_size;
  guint32 spec[RALI_VK_MAX_SPEC]; /* the specialisation it was built with */
  guint n_spec;
} Pipe;

/* GEMM tiles and workgroup sizes, chosen from the device limits */
typedef struct {
  guint32 bm, bn, bk, tm, tn;
  guint32 wg_gemm;       /* (bm/tm)·(bn/tn) */
  guint32 wg_rows;       /* layernorm, l2norm: invocations per row */
  guint32 wg_flat;       /* element-wise ops */
  guint32 wg_attn;
} Tuning;

/* one bound tensor range: (buffer, aligned byte offset, range) + element shift */
typedef struct {
  guint64 buf_id;
  VkBuffer buffer;
  VkDeviceSize offset, range;
} BindKey;

/* a recorded dispatch; plain data so that op sequences compare with memcmp */
typedef struct {
  VkPipeline pipeline;
  VkPipelineLayout layout;
  VkDescriptorSet set;
  guint32 groups[3];
  guint32 push_size;
  guint8 push[RALI_VK_MAX_PUSH];
  guint32 barrier;       /* a compute→compute memory barrier goes before it */
  guint32 pipe_index;    /* for profiling names */
} Dispatch;

typedef struct _VkBackend VkBackend;

struct _VkBackend {
  RaliBackend parent;
  VkFns fn;
  VkInstance instance;    /* shared by the process, never destroyed (vk-device.c) */
  VkPhysicalDevice phys;
  VkDevice dev;
  VkQueue queue;
  guint32 queue_family;
  VkPhysicalDeviceProperties props;
  VkPhysicalDeviceMemoryProperties mem;
  guint32 subgroup_size;
  gboolean fp16;          /* weights stored as fp16 */
  gboolean profile;
  gboolean validate;
  gboolean force_staging; /* RALI_VULKAN_FORCE_STAGING=1: never map buffers (tests the staging path) */
  guint validation_seen;  /* validation errors already reported by sync */
  guint32 timestamp_bits;
  char *description;

  Tuning tune;
  GArray *pipes;          /* Pipe; PIPE_FIXED_COUNT fixed ones, then attention per head dim */
  VkPipelineCache pcache;
  char *pcache_path;
  gsize pcache_loaded_size;

  GHashTable *dsets;      /* DsetKey → DsetVal */
  GPtrArray *dpools;      /* VkDescriptorPool, last one is current */

  VkCommandPool cmd_pool;
  VkFence fence;
  GArray *pending;        /* Dispatch recorded since the last sync */
  GArray *written, *read; /* buffer ids touched since the last barrier */
  GHashTable *cb_cache;   /* CbEntry by op-sequence hash */
  guint cb_cache_hits, cb_cache_misses;
  GError *deferred;       /* the first error of an op, reported at sync */

  guint64 next_buf_id;
  RaliBuf *dummy;         /* bound where a shader's optional input is absent */
  VkBuffer staging;
  VkDeviceMemory staging_mem;
  void *staging_map;
  gsize staging_size;

  /* profiling totals per pipeline index */
  GArray *prof_ns, *prof_count;
};

/* vk-device.c */
VkBackend *rali_vk_device_new  (const RaliVulkanOptions *opt, GError **error);
void       rali_vk_device_free (VkBackend *vk);
RaliBuf   *rali_vk_buf_new     (VkBackend *vk, gsize n, guint esize, GError **error);
void       rali_vk_buf_free    (VkBackend *vk, RaliBuf *b);
/* host ↔ buffer bytes, through the mapping or the staging buffer; the
 * caller has made sure no recorded work still touches the buffer */
gboolean   rali_vk_buf_write   (VkBackend *vk, RaliBuf *b, gsize byte_off, const void *src, gsize bytes, GError **error);
gboolean   rali_vk_buf_read    (VkBackend *vk, RaliBuf *b, gsize byte_off, void *dst, gsize bytes, GError **error);
gboolean   rali_vk_submit_wait (VkBackend *vk, VkCommandBuffer cb, GError **error);
guint      rali_vk_validation_errors (void);

/* vk-exec.c */
gboolean rali_vk_pipelines_init (VkBackend *vk, GError **error);
void     rali_vk_exec_free      (VkBackend *vk);
/* the attention pipeline for head dim Dh, built once on first use */
const Pipe *rali_vk_attention_pipe (VkBackend *vk, guint32 Dh, guint32 *bq, GError **error);
/* Appends one dispatch: binds `keys` (n = the pipeline's binding count),
 * inserts a barrier when it touches a buffer written or (for writes) read
 * since the last one.  `writes` has a bit per binding that the op writes. */
void     rali_vk_dispatch (VkBackend *vk, guint pipe_index, const BindKey *keys, guint32 writes,
                           const void *push, guint push_size, guint32 gx, guint32 gy, guint32 gz);
gboolean rali_vk_flush    (VkBackend *vk, GError **error);
/* drops every cached descriptor set and command buffer that uses buf */
void     rali_vk_forget_buffer (VkBackend *vk, guint64 buf_id);
void     rali_vk_print_profile (VkBackend *vk);
void     rali_vk_set_deferred  (VkBackend *vk, GError *error);
