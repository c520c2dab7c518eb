/* Shared declarations for every compute shader in vk_shaders/.
 *
 * Conventions (engine/backend.h has the op semantics):
 * - set 0 holds only storage buffers, one binding per tensor; the host binds
 *   each tensor as its own range, aligned down to the device's
 *   minStorageBufferOffsetAlignment, and passes the remaining element shift
 *   as an `o_*` push constant: element i of a tensor is `buf[o_buf + i]`.
 * - shapes and offsets are push constants (they change per dispatch);
 *   workgroup and tile sizes are specialisation constants (fixed per pipeline).
 * - 1-D ops are dispatched as a 3-D grid so that no dimension exceeds
 *   maxComputeWorkGroupCount; flat_group() and flat_id() undo that. */

#define BUF_RO(b, T, name) layout(std430, set = 0, binding = b) readonly buffer name##_buf { T name[]; }
#define BUF_WO(b, T, name) layout(std430, set = 0, binding = b) writeonly buffer name##_buf { T name[]; }
#define BUF_RW(b, T, name) layout(std430, set = 0, binding = b) buffer name##_buf { T name[]; }

/* workgroup size is always specialisation constant 0 */
layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;

uint
flat_group ()
{
  return (gl_WorkGroupID.z * gl_NumWorkGroups.y + gl_WorkGroupID.y) * gl_NumWorkGroups.x + gl_WorkGroupID.x;
}

uint
flat_id ()
{
  return flat_group () * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
}

/* a large finite negative: exp(NEG_BIG - m) underflows to 0 without relying
 * on exp(-inf) */
#define NEG_BIG (-1.0e30)
