/* Vulkan backend, part 1: the loader (dlopen, so the binary starts where no
 * Vulkan is installed), instance with optional validation, device pick,
 * memory, buffers, staging and one-shot submissions. */
#include "vk-private.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

const char *
rali_vk_result_string (VkResult r)
{
  switch (r)
    {
#define R(x) case x: return #x;
      R (VK_SUCCESS) R (VK_NOT_READY) R (VK_TIMEOUT) R (VK_INCOMPLETE)
      R (VK_ERROR_OUT_OF_HOST_MEMORY) R (VK_ERROR_OUT_OF_DEVICE_MEMORY)
      R (VK_ERROR_INITIALIZATION_FAILED) R (VK_ERROR_DEVICE_LOST) R (VK_ERROR_MEMORY_MAP_FAILED)
      R (VK_ERROR_LAYER_NOT_PRESENT) R (VK_ERROR_EXTENSION_NOT_PRESENT) R (VK_ERROR_FEATURE_NOT_PRESENT)
      R (VK_ERROR_INCOMPATIBLE_DRIVER) R (VK_ERROR_TOO_MANY_OBJECTS) R (VK_ERROR_FORMAT_NOT_SUPPORTED)
      R (VK_ERROR_FRAGMENTED_POOL) R (VK_ERROR_OUT_OF_POOL_MEMORY) R (VK_ERROR_INVALID_SHADER_NV)
      R (VK_ERROR_FRAGMENTATION) R (VK_ERROR_UNKNOWN)
#undef R
    default:
      return "VkResult";
    }
}

gboolean
rali_vk_check (VkResult r, const char *what, const char *file, int line, GError **error)
{
  if (r == VK_SUCCESS)
    return TRUE;
  const char *base = strrchr (file, '/');
  g_set_error (error, RALI_ERROR, RALI_ERROR_BACKEND, "vulkan: %s failed with %s (%d) at %s:%d",
               what, rali_vk_result_string (r), (int) r, base ? base + 1 : file, line);
  return FALSE;
}

static gboolean
unsupported (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
unsupported (GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, RALI_ERROR, RALI_ERROR_UNSUPPORTED, "vulkan: %s", msg);
  return FALSE;
}

/* ---- validation messages ---- */

static gint validation_errors;

guint
rali_vk_validation_errors (void)
{
  return (guint) g_atomic_int_get (&validation_errors);
}

guint
rali_backend_vulkan_validation_errors (void)
{
  return rali_vk_validation_errors ();
}

static VkBool32 VKAPI_PTR
on_debug_message (VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT types,
                  const VkDebugUtilsMessengerCallbackDataEXT *data, void *user_data)
{
  (void) types; (void) user_data;
  if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT)
    {
      g_atomic_int_inc (&validation_errors);
      fprintf (stderr, "rali: Vulkan validation error: %s\n", data->pMessage);
    }
  else if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT)
    fprintf (stderr, "rali: Vulkan validation warning: %s\n", data->pMessage);
  return VK_FALSE;
}

static void
messenger_info (VkDebugUtilsMessengerCreateInfoEXT *info)
{
  *info = (VkDebugUtilsMessengerCreateInfoEXT) {
    .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
    .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT,
    .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                   VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
    .pfnUserCallback = on_debug_message,
  };
}

/* ---- loader and instance ---- */

static gboolean
env_flag (const char *name)
{
  const char *v = g_getenv (name);
  return v && *v && strcmp (v, "0") != 0;
}

/* What every backend of the process shares: the loader, and one VkInstance
 * created on first use and never destroyed.  Destroying it would unload the
 * ICD, and Mesa's drivers lose memory when unloaded (seen with lavapipe and
 * AddressSanitizer); instances are process-wide state anyway. */
typedef struct {
  VkFns fn;              /* global and instance-level entry points */
  VkInstance instance;
  VkDebugUtilsMessengerEXT messenger;
  gboolean validate;     /* RALI_VULKAN_VALIDATE at first use */
} VkShared;

/* The loader is opened once per process and never closed: ICDs do not
 * reliably survive being unloaded, and leak checkers need their symbols. */
static void *
loader_handle (char **why)
{
  static gsize once = 0;
  static void *lib;
  static char *err;
  if (g_once_init_enter (&once))
    {
      const char *path = g_getenv ("RALI_VULKAN_LOADER");
      if (!path || !*path)
        path = "libvulkan.so.1";
      lib = dlopen (path, RTLD_NOW | RTLD_LOCAL);
      if (!lib)
        err = g_strdup (dlerror ());
      g_once_init_leave (&once, 1);
    }
  *why = err;
  return lib;
}

static gboolean
load_loader (VkShared *vk, GError **error)
{
  char *why;
  const char *path = "the Vulkan loader";
  void *lib = loader_handle (&why);
  if (!lib)
    return unsupported (error, "no Vulkan loader (%s)", why);
  vk->fn.vkGetInstanceProcAddr = (PFN_vkGetInstanceProcAddr) dlsym (lib, "vkGetInstanceProcAddr");
  if (!vk->fn.vkGetInstanceProcAddr)
    return unsupported (error, "%s has no vkGetInstanceProcAddr", path);
#define LOAD_GLOBAL(name) vk->fn.name = (PFN_##name) vk->fn.vkGetInstanceProcAddr (NULL, #name);
  RALI_VK_GLOBAL_FNS (LOAD_GLOBAL)
#undef LOAD_GLOBAL
  if (!vk->fn.vkCreateInstance || !vk->fn.vkEnumerateInstanceVersion)
    return unsupported (error, "the Vulkan loader %s is older than Vulkan 1.1", path);
  return TRUE;
}

static gboolean
have_layer (VkShared *vk, const char *name)
{
  guint32 n = 0;
  if (vk->fn.vkEnumerateInstanceLayerProperties (&n, NULL) != VK_SUCCESS)
    return FALSE;
  g_autofree VkLayerProperties *layers = g_new0 (VkLayerProperties, MAX (n, 1));
  vk->fn.vkEnumerateInstanceLayerProperties (&n, layers);
  for (guint32 i = 0; i < n; i++)
    if (strcmp (layers[i].layerName, name) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
have_instance_extension (VkShared *vk, const char *layer, const char *name)
{
  guint32 n = 0;
  if (vk->fn.vkEnumerateInstanceExtensionProperties (layer, &n, NULL) != VK_SUCCESS)
    return FALSE;
  g_autofree VkExtensionProperties *ext = g_new0 (VkExtensionProperties, MAX (n, 1));
  vk->fn.vkEnumerateInstanceExtensionProperties (layer, &n, ext);
  for (guint32 i = 0; i < n; i++)
    if (strcmp (ext[i].extensionName, name) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
create_instance (VkShared *vk, GError **error)
{
  static const char *validation_layer = "VK_LAYER_KHRONOS_validation";
  guint32 version = 0;
  if (vk->fn.vkEnumerateInstanceVersion (&version) != VK_SUCCESS || version < VK_API_VERSION_1_1)
    return unsupported (error, "the Vulkan loader supports only Vulkan %u.%u; 1.1 is needed",
                        VK_API_VERSION_MAJOR (version), VK_API_VERSION_MINOR (version));

  const char *layers[1], *exts[2];
  guint32 n_layers = 0, n_exts = 0;
  VkDebugUtilsMessengerCreateInfoEXT dbg;
  messenger_info (&dbg);
  VkValidationFeatureEnableEXT enables[] = { VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT };
  VkValidationFeaturesEXT features = {
    .sType = VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT,
    .enabledValidationFeatureCount = G_N_ELEMENTS (enables),
    .pEnabledValidationFeatures = enables,
  };
  const void *next = NULL;
  if (vk->validate)
    {
      if (!have_layer (vk, validation_layer))
        return unsupported (error, "RALI_VULKAN_VALIDATE is set but %s is not installed "
                            "(Debian: vulkan-validationlayers)", validation_layer);
      layers[n_layers++] = validation_layer;
      exts[n_exts++] = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
      next = &dbg; /* also covers vkCreateInstance / vkDestroyInstance */
      if (have_instance_extension (vk, validation_layer, VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME))
        {
          exts[n_exts++] = VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME;
          dbg.pNext = &features; /* synchronisation validation checks our barriers */
        }
    }
  VkApplicationInfo app = {
    .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
    .pApplicationName = "rali-studio",
    .pEngineName = "librali",
    .apiVersion = VK_API_VERSION_1_1,
  };
  VkInstanceCreateInfo ci = {
    .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
    .pNext = next,
    .pApplicationInfo = &app,
    .enabledLayerCount = n_layers,
    .ppEnabledLayerNames = layers,
    .enabledExtensionCount = n_exts,
    .ppEnabledExtensionNames = exts,
  };
  VkResult r = vk->fn.vkCreateInstance (&ci, NULL, &vk->instance);
  if (r == VK_ERROR_INCOMPATIBLE_DRIVER)
    return unsupported (error, "no Vulkan driver (ICD) is installed");
  if (!VK_CHECK (r, error))
    return FALSE;
#define LOAD_INSTANCE(name) \
  if (!(vk->fn.name = (PFN_##name) vk->fn.vkGetInstanceProcAddr (vk->instance, #name))) \
    return unsupported (error, "the Vulkan loader lacks %s", #name);
  RALI_VK_INSTANCE_FNS (LOAD_INSTANCE)
#undef LOAD_INSTANCE
  if (vk->validate)
    {
      vk->fn.vkCreateDebugUtilsMessengerEXT = (PFN_vkCreateDebugUtilsMessengerEXT)
        vk->fn.vkGetInstanceProcAddr (vk->instance, "vkCreateDebugUtilsMessengerEXT");
      vk->fn.vkDestroyDebugUtilsMessengerEXT = (PFN_vkDestroyDebugUtilsMessengerEXT)
        vk->fn.vkGetInstanceProcAddr (vk->instance, "vkDestroyDebugUtilsMessengerEXT");
      messenger_info (&dbg);
      if (!vk->fn.vkCreateDebugUtilsMessengerEXT ||
          !VK_CHECK (vk->fn.vkCreateDebugUtilsMessengerEXT (vk->instance, &dbg, NULL, &vk->messenger), error))
        return FALSE;
    }
  return TRUE;
}

static const VkShared *
shared_instance (GError **error)
{
  static gsize once = 0;
  static VkShared shared;
  static GError *failure;
  if (g_once_init_enter (&once))
    {
      shared.validate = env_flag ("RALI_VULKAN_VALIDATE");
      if (!load_loader (&shared, &failure) || !create_instance (&shared, &failure))
        shared.instance = VK_NULL_HANDLE;
      g_once_init_leave (&once, 1);
    }
  if (failure)
    {
      g_propagate_error (error, g_error_copy (failure));
      return NULL;
    }
  return &shared;
}

/* ---- device pick ---- */

static int
type_rank (VkPhysicalDeviceType t)
{
  switch (t)
    {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 4;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 3;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 1;
    default: return 0;
    }
}

static const char *
type_name (VkPhysicalDeviceType t)
{
  switch (t)
    {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "CPU";
    default: return "other";
    }
}

/* the queue family for compute, preferring one without graphics; -1 if none */
static int
compute_family (VkBackend *vk, VkPhysicalDevice pd, guint32 *timestamp_bits)
{
  guint32 n = 0;
  vk->fn.vkGetPhysicalDeviceQueueFamilyProperties (pd, &n, NULL);
  g_autofree VkQueueFamilyProperties *q = g_new0 (VkQueueFamilyProperties, MAX (n, 1));
  vk->fn.vkGetPhysicalDeviceQueueFamilyProperties (pd, &n, q);
  int best = -1;
  for (guint32 i = 0; i < n; i++)
    if ((q[i].queueFlags & VK_QUEUE_COMPUTE_BIT) && q[i].queueCount > 0 &&
        (best < 0 || !(q[i].queueFlags & VK_QUEUE_GRAPHICS_BIT)))
      best = (int) i;
  if (best >= 0)
    *timestamp_bits = q[best].timestampValidBits;
  return best;
}

static gboolean
pick_device (VkBackend *vk, const RaliVulkanOptions *opt, GError **error)
{
  guint32 n = 0;
  if (!VK_CHECK (vk->fn.vkEnumeratePhysicalDevices (vk->instance, &n, NULL), error))
    return FALSE;
  if (n == 0)
    return unsupported (error, "no Vulkan device found");
  g_autofree VkPhysicalDevice *pds = g_new0 (VkPhysicalDevice, n);
  if (!VK_CHECK (vk->fn.vkEnumeratePhysicalDevices (vk->instance, &n, pds), error))
    return FALSE;

  const char *want = opt->device ? opt->device : g_getenv ("RALI_VULKAN_DEVICE");
  if (want && !*want)
    want = NULL;
  gboolean by_index = want && strspn (want, "0123456789") == strlen (want);
  g_autofree char *want_fold = want ? g_utf8_casefold (want, -1) : NULL;
  g_autoptr (GString) seen = g_string_new (NULL);
  int best = -1, best_rank = -1;
  for (guint32 i = 0; i < n; i++)
    {
      VkPhysicalDeviceProperties p;
      guint32 ts;
      vk->fn.vkGetPhysicalDeviceProperties (pds[i], &p);
      g_string_append_printf (seen, "%s[%u] %s (%s)", i ? ", " : "", i, p.deviceName, type_name (p.deviceType));
      if (p.apiVersion < VK_API_VERSION_1_1 || compute_family (vk, pds[i], &ts) < 0)
        continue;
      int rank = type_rank (p.deviceType);
      if (want)
        {
          g_autofree char *name_fold = g_utf8_casefold (p.deviceName, -1);
          gboolean match = by_index ? g_ascii_strtoull (want, NULL, 10) == i : strstr (name_fold, want_fold) != NULL;
          if (!match)
            continue;
        }
      else if (opt->gpu_only && p.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU)
        continue;
      if (rank > best_rank)
        best = (int) i, best_rank = rank;
    }
  if (best < 0)
    {
      if (want)
        return unsupported (error, "no usable Vulkan device matches '%s' (devices: %s)", want, seen->str);
      if (opt->gpu_only)
        return unsupported (error, "no GPU among the Vulkan devices (%s); set RALI_VULKAN_DEVICE to use one anyway",
                            seen->str);
      return unsupported (error, "no Vulkan 1.1 device with a compute queue (devices: %s)", seen->str);
    }
  vk->phys = pds[best];
  vk->fn.vkGetPhysicalDeviceProperties (vk->phys, &vk->props);
  vk->fn.vkGetPhysicalDeviceMemoryProperties (vk->phys, &vk->mem);
  vk->queue_family = (guint32) compute_family (vk, vk->phys, &vk->timestamp_bits);
  return TRUE;
}

static gboolean
create_device (VkBackend *vk, gboolean want_fp16, GError **error)
{
  VkPhysicalDeviceSubgroupProperties sub = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES };
  VkPhysicalDeviceDriverProperties drv = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES };
  VkPhysicalDeviceProperties2 p2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &sub };
  if (vk->props.apiVersion >= VK_API_VERSION_1_2)
    sub.pNext = &drv;
  vk->fn.vkGetPhysicalDeviceProperties2 (vk->phys, &p2);
  vk->subgroup_size = MAX (sub.subgroupSize, 1);

  VkPhysicalDevice16BitStorageFeatures f16 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES };
  VkPhysicalDeviceFeatures2 f2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &f16 };
  vk->fn.vkGetPhysicalDeviceFeatures2 (vk->phys, &f2);
  vk->fp16 = want_fp16 && f16.storageBuffer16BitAccess;
  if (want_fp16 && !vk->fp16)
    g_message ("vulkan: %s lacks storageBuffer16BitAccess; weights stay fp32", vk->props.deviceName);

  /* enable only what we use */
  VkPhysicalDevice16BitStorageFeatures f16_on = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES,
    .storageBuffer16BitAccess = vk->fp16,
  };
  float prio = 1.0f;
  VkDeviceQueueCreateInfo qci = {
    .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
    .queueFamilyIndex = vk->queue_family,
    .queueCount = 1,
    .pQueuePriorities = &prio,
  };
  VkDeviceCreateInfo dci = {
    .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
    .pNext = &f16_on,
    .queueCreateInfoCount = 1,
    .pQueueCreateInfos = &qci,
  };
  if (!VK_CHECK (vk->fn.vkCreateDevice (vk->phys, &dci, NULL, &vk->dev), error))
    return FALSE;
#define LOAD_DEVICE(name) \
  if (!(vk->fn.name = (PFN_##name) vk->fn.vkGetDeviceProcAddr (vk->dev, #name))) \
    return unsupported (error, "the Vulkan driver lacks %s", #name);
  RALI_VK_DEVICE_FNS (LOAD_DEVICE)
#undef LOAD_DEVICE
  vk->fn.vkGetDeviceQueue (vk->dev, vk->queue_family, 0, &vk->queue);

  const VkPhysicalDeviceLimits *l = &vk->props.limits;
  vk->description = g_strdup_printf ("%s, %s, %s%s%s, %s weights, subgroup %u, "
                                     "maxStorageBufferRange %u MiB, shared %u KiB",
                                     vk->props.deviceName, type_name (vk->props.deviceType),
                                     drv.driverName[0] ? drv.driverName : "driver",
                                     drv.driverInfo[0] ? " " : "", drv.driverInfo,
                                     vk->fp16 ? "fp16" : "fp32", vk->subgroup_size,
                                     l->maxStorageBufferRange >> 20, l->maxComputeSharedMemorySize >> 10);

  VkCommandPoolCreateInfo pci = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
    .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
    .queueFamilyIndex = vk->queue_family,
  };
  VkFenceCreateInfo fci = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
  return VK_CHECK (vk->fn.vkCreateCommandPool (vk->dev, &pci, NULL, &vk->cmd_pool), error) &&
         VK_CHECK (vk->fn.vkCreateFence (vk->dev, &fci, NULL, &vk->fence), error);
}

/* RALI_VULKAN_TEST_LIMITS="binding:16384,groups:5,shared:8192,invocations:64"
 * lowers (never raises) the limits the backend plans with, so that tests
 * reach the chunking and tiling fallbacks on any device */
static void
apply_test_limits (VkBackend *vk)
{
  const char *env = g_getenv ("RALI_VULKAN_TEST_LIMITS");
  if (!env || !*env)
    return;
  VkPhysicalDeviceLimits *l = &vk->props.limits;
  g_auto (GStrv) items = g_strsplit (env, ",", -1);
  for (char **it = items; *it; it++)
    {
      g_auto (GStrv) kv = g_strsplit (*it, ":", 2);
      if (!kv[0] || !kv[1])
        continue;
      guint32 v = (guint32) g_ascii_strtoull (kv[1], NULL, 10);
      if (v == 0)
        continue;
      if (strcmp (kv[0], "binding") == 0)
        l->maxStorageBufferRange = MIN (l->maxStorageBufferRange, MAX (v, 2 * l->minStorageBufferOffsetAlignment));
      else if (strcmp (kv[0], "groups") == 0)
        for (int i = 0; i < 3; i++)
          l->maxComputeWorkGroupCount[i] = MIN (l->maxComputeWorkGroupCount[i], v);
      else if (strcmp (kv[0], "shared") == 0)
        l->maxComputeSharedMemorySize = MIN (l->maxComputeSharedMemorySize, v);
      else if (strcmp (kv[0], "invocations") == 0)
        l->maxComputeWorkGroupInvocations = MIN (l->maxComputeWorkGroupInvocations, v);
    }
}

VkBackend *
rali_vk_device_new (const RaliVulkanOptions *opt, GError **error)
{
  const VkShared *sh = shared_instance (error);
  if (!sh)
    return NULL;
  VkBackend *vk = g_new0 (VkBackend, 1);
  vk->fn = sh->fn; /* device-level entry points are loaded per device */
  vk->instance = sh->instance;
  vk->validate = sh->validate;
  vk->profile = env_flag ("RALI_VULKAN_PROFILE");
  vk->force_staging = env_flag ("RALI_VULKAN_FORCE_STAGING");
  gboolean want_fp16 = opt->fp16 == RALI_VULKAN_FP16_ON ||
                       (opt->fp16 == RALI_VULKAN_FP16_FROM_ENV && env_flag ("RALI_VULKAN_FP16"));
  if (!pick_device (vk, opt, error) ||
      !create_device (vk, want_fp16, error))
    {
      rali_vk_device_free (vk);
      return NULL;
    }
  apply_test_limits (vk);
  if (vk->profile && vk->timestamp_bits == 0)
    {
      g_message ("vulkan: %s has no timestamps on its compute queue; profiling is off", vk->props.deviceName);
      vk->profile = FALSE;
    }
  return vk;
}

void
rali_vk_device_free (VkBackend *vk)
{
  if (!vk)
    return;
  if (vk->dev)
    {
      if (vk->staging)
        vk->fn.vkDestroyBuffer (vk->dev, vk->staging, NULL);
      if (vk->staging_mem)
        vk->fn.vkFreeMemory (vk->dev, vk->staging_mem, NULL);
      if (vk->fence)
        vk->fn.vkDestroyFence (vk->dev, vk->fence, NULL);
      if (vk->cmd_pool)
        vk->fn.vkDestroyCommandPool (vk->dev, vk->cmd_pool, NULL);
      vk->fn.vkDestroyDevice (vk->dev, NULL);
    }
  g_free (vk->description);
  g_free (vk);
}

/* ---- memory and buffers ---- */

static int
memory_type (VkBackend *vk, guint32 bits, VkMemoryPropertyFlags want)
{
  for (guint32 i = 0; i < vk->mem.memoryTypeCount; i++)
    if ((bits & (1u << i)) && (vk->mem.memoryTypes[i].propertyFlags & want) == want)
      return (int) i;
  return -1;
}

/* Device-local memory that the host can also map coherently, in a heap as
 * large as the biggest device-local one (UMA, lavapipe, resizable BAR). */
static int
mappable_device_type (VkBackend *vk, guint32 bits)
{
  VkDeviceSize biggest = 0;
  for (guint32 h = 0; h < vk->mem.memoryHeapCount; h++)
    if (vk->mem.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
      biggest = MAX (biggest, vk->mem.memoryHeaps[h].size);
  const VkMemoryPropertyFlags want = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                     VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  for (guint32 i = 0; i < vk->mem.memoryTypeCount; i++)
    if ((bits & (1u << i)) && (vk->mem.memoryTypes[i].propertyFlags & want) == want &&
        vk->mem.memoryHeaps[vk->mem.memoryTypes[i].heapIndex].size >= biggest)
      return (int) i;
  return -1;
}

static gboolean
alloc_buffer (VkBackend *vk, VkDeviceSize size, gboolean staging, VkBuffer *buffer,
              VkDeviceMemory *memory, void **mapped, GError **error)
{
  VkBufferCreateInfo bci = {
    .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
    .size = size,
    .usage = staging ? VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT
                     : VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                       VK_BUFFER_USAGE_TRANSFER_DST_BIT,
    .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
  };
  if (!VK_CHECK (vk->fn.vkCreateBuffer (vk->dev, &bci, NULL, buffer), error))
    return FALSE;
  VkMemoryRequirements req;
  vk->fn.vkGetBufferMemoryRequirements (vk->dev, *buffer, &req);
  const VkMemoryPropertyFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  int types[3] = { -1, -1, -1 };
  if (staging)
    {
      types[0] = memory_type (vk, req.memoryTypeBits, host | VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
      types[1] = memory_type (vk, req.memoryTypeBits, host);
    }
  else
    {
      types[0] = mappable_device_type (vk, req.memoryTypeBits);
      types[1] = memory_type (vk, req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
      types[2] = memory_type (vk, req.memoryTypeBits, 0); /* any: device-local where available */
    }
  VkResult r = VK_ERROR_OUT_OF_DEVICE_MEMORY;
  int used = -1;
  for (int i = 0; i < 3 && r != VK_SUCCESS; i++)
    {
      if (types[i] < 0)
        continue;
      VkMemoryAllocateInfo mai = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
        .allocationSize = req.size,
        .memoryTypeIndex = (guint32) types[i],
      };
      r = vk->fn.vkAllocateMemory (vk->dev, &mai, NULL, memory);
      used = types[i];
    }
  if (r != VK_SUCCESS)
    {
      vk->fn.vkDestroyBuffer (vk->dev, *buffer, NULL);
      *buffer = VK_NULL_HANDLE;
      g_set_error (error, RALI_ERROR, RALI_ERROR_BACKEND, "vulkan: cannot allocate %.1f MiB of %s memory (%s)",
                   req.size / 1048576.0, staging ? "staging" : "device", rali_vk_result_string (r));
      return FALSE;
    }
  if (!VK_CHECK (vk->fn.vkBindBufferMemory (vk->dev, *buffer, *memory, 0), error))
    return FALSE;
  *mapped = NULL;
  if ((vk->mem.memoryTypes[used].propertyFlags & host) == host && (staging || !vk->force_staging) &&
      !VK_CHECK (vk->fn.vkMapMemory (vk->dev, *memory, 0, VK_WHOLE_SIZE, 0, mapped), error))
    return FALSE;
  return TRUE;
}

RaliBuf *
rali_vk_buf_new (VkBackend *vk, gsize n, guint esize, GError **error)
{
  RaliBuf *b = g_new0 (RaliBuf, 1);
  b->id = ++vk->next_buf_id;
  b->n = n;
  b->esize = esize;
  VkDeviceSize bytes = MAX ((n * esize + 3) & ~(VkDeviceSize) 3, 16);
  if (!alloc_buffer (vk, bytes, FALSE, &b->buffer, &b->memory, &b->mapped, error))
    {
      rali_vk_buf_free (vk, b);
      return NULL;
    }
  return b;
}

void
rali_vk_buf_free (VkBackend *vk, RaliBuf *b)
{
  if (!b)
    return;
  if (b->f32_view)
    rali_vk_buf_free (vk, b->f32_view);
  if (b->buffer)
    vk->fn.vkDestroyBuffer (vk->dev, b->buffer, NULL);
  if (b->memory)
    vk->fn.vkFreeMemory (vk->dev, b->memory, NULL);
  g_free (b);
}

gboolean
rali_vk_submit_wait (VkBackend *vk, VkCommandBuffer cb, GError **error)
{
  VkSubmitInfo si = {
    .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
    .commandBufferCount = 1,
    .pCommandBuffers = &cb,
  };
  return VK_CHECK (vk->fn.vkResetFences (vk->dev, 1, &vk->fence), error) &&
         VK_CHECK (vk->fn.vkQueueSubmit (vk->queue, 1, &si, vk->fence), error) &&
         VK_CHECK (vk->fn.vkWaitForFences (vk->dev, 1, &vk->fence, VK_TRUE, UINT64_MAX), error);
}

#define STAGING_MAX ((gsize) 16 << 20)

static gboolean
staging_ensure (VkBackend *vk, gsize bytes, GError **error)
{
  bytes = MIN (MAX (bytes, (gsize) 1 << 20), STAGING_MAX);
  if (vk->staging_size >= bytes)
    return TRUE;
  if (vk->staging)
    vk->fn.vkDestroyBuffer (vk->dev, vk->staging, NULL);
  if (vk->staging_mem)
    vk->fn.vkFreeMemory (vk->dev, vk->staging_mem, NULL);
  vk->staging = VK_NULL_HANDLE;
  vk->staging_mem = VK_NULL_HANDLE;
  vk->staging_size = 0;
  if (!alloc_buffer (vk, bytes, TRUE, &vk->staging, &vk->staging_mem, &vk->staging_map, error))
    return FALSE;
  if (!vk->staging_map)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_BACKEND, "vulkan: staging memory is not host-visible");
      return FALSE;
    }
  vk->staging_size = bytes;
  return TRUE;
}

/* one copy between the staging buffer and b, with the barriers around it */
static gboolean
staging_copy (VkBackend *vk, RaliBuf *b, gsize off, gsize bytes, gboolean to_device, GError **error)
{
  VkCommandBufferAllocateInfo ai = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
    .commandPool = vk->cmd_pool,
    .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
    .commandBufferCount = 1,
  };
  VkCommandBuffer cb;
  if (!VK_CHECK (vk->fn.vkAllocateCommandBuffers (vk->dev, &ai, &cb), error))
    return FALSE;
  VkCommandBufferBeginInfo bi = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
    .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
  };
  VkMemoryBarrier before = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
    .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_SHADER_READ_BIT,
    .dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
  };
  VkMemoryBarrier after = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
    .srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
    .dstAccessMask = to_device ? VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT : VK_ACCESS_HOST_READ_BIT,
  };
  VkBufferCopy region = { .srcOffset = to_device ? 0 : off, .dstOffset = to_device ? off : 0, .size = bytes };
  gboolean ok = VK_CHECK (vk->fn.vkBeginCommandBuffer (cb, &bi), error);
  if (ok)
    {
      vk->fn.vkCmdPipelineBarrier (cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0,
                                   1, &before, 0, NULL, 0, NULL);
      if (to_device)
        vk->fn.vkCmdCopyBuffer (cb, vk->staging, b->buffer, 1, &region);
      else
        vk->fn.vkCmdCopyBuffer (cb, b->buffer, vk->staging, 1, &region);
      vk->fn.vkCmdPipelineBarrier (cb, VK_PIPELINE_STAGE_TRANSFER_BIT,
                                   to_device ? VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT : VK_PIPELINE_STAGE_HOST_BIT, 0,
                                   1, &after, 0, NULL, 0, NULL);
      ok = VK_CHECK (vk->fn.vkEndCommandBuffer (cb), error) && rali_vk_submit_wait (vk, cb, error);
    }
  vk->fn.vkFreeCommandBuffers (vk->dev, vk->cmd_pool, 1, &cb);
  return ok;
}

gboolean
rali_vk_buf_write (VkBackend *vk, RaliBuf *b, gsize off, const void *src, gsize bytes, GError **error)
{
  g_return_val_if_fail (off + bytes <= b->n * b->esize, FALSE);
  if (b->mapped)
    {
      memcpy ((char *) b->mapped + off, src, bytes);
      return TRUE;
    }
  if (!staging_ensure (vk, bytes, error))
    return FALSE;
  for (gsize done = 0; done < bytes;)
    {
      /* vkCmdCopyBuffer needs no alignment; keep pieces 4-byte multiples anyway */
      gsize piece = MIN (bytes - done, vk->staging_size & ~(gsize) 3);
      memcpy (vk->staging_map, (const char *) src + done, piece);
      if (!staging_copy (vk, b, off + done, piece, TRUE, error))
        return FALSE;
      done += piece;
    }
  return TRUE;
}

gboolean
rali_vk_buf_read (VkBackend *vk, RaliBuf *b, gsize off, void *dst, gsize bytes, GError **error)
{
  g_return_val_if_fail (off + bytes <= b->n * b->esize, FALSE);
  if (b->mapped)
    {
      memcpy (dst, (const char *) b->mapped + off, bytes);
      return TRUE;
    }
  if (!staging_ensure (vk, bytes, error))
    return FALSE;
  for (gsize done = 0; done < bytes;)
    {
      gsize piece = MIN (bytes - done, vk->staging_size & ~(gsize) 3);
      if (!staging_copy (vk, b, off + done, piece, FALSE, error))
        return FALSE;
      memcpy ((char *) dst + done, vk->staging_map, piece);
      done += piece;
    }
  return TRUE;
}
